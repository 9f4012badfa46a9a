package agent

import (
	"github.com/cascade-ir/cascade/internal/atomicfile"

	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// stateDir is the agent's directory:
//
//	credential.json   the host id and agent token (0600)
//	last.json.gz      the last snapshot the server accepted, with its id
//	queue/            snapshots waiting to be uploaded, oldest first
//	rejected/         snapshots the server refused (kept for inspection)
type stateDir struct {
	dir  string
	cred *credential
}

type credential struct {
	Server   string    `json:"server"`
	HostID   int64     `json:"host_id"`
	HostUID  string    `json:"host_uid"`
	Token    string    `json:"token"`
	Enrolled time.Time `json:"enrolled"`
	// ServerKey is the server's Ed25519 hunt-signing key (base64), from
	// enrollment or fetched once after it (trust on first use).
	ServerKey string `json:"server_key,omitempty"`
}

type lastAccepted struct {
	SnapshotID string            `json:"snapshot_id"`
	Snapshot   snapshot.Snapshot `json:"snapshot"`
}

type queueItem struct {
	path     string
	uploadID string
	size     int64
}

func openState(dir string) (*stateDir, error) {
	if dir == "" {
		return nil, errors.New("agent: a state directory is required")
	}
	for _, d := range []string{dir, filepath.Join(dir, "queue"), filepath.Join(dir, "rejected")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("agent state %s: %w", d, err)
		}
	}
	return &stateDir{dir: dir}, nil
}

func (s *stateDir) loadCredential() (*credential, error) {
	p := filepath.Join(s.dir, "credential.json")
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("agent credential: %w", err)
	}
	var c credential
	if err := json.Unmarshal(b, &c); err != nil || c.Token == "" {
		return nil, fmt.Errorf("agent credential %s is damaged; remove it and enroll again", p)
	}
	s.cred = &c
	return &c, nil
}

func (s *stateDir) saveCredential(c *credential) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := writeAtomic(filepath.Join(s.dir, "credential.json"), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return fmt.Errorf("save agent credential: %w", err)
	}
	s.cred = c
	return nil
}

func (s *stateDir) loadLast() (*lastAccepted, error) {
	var l lastAccepted
	err := readGz(filepath.Join(s.dir, "last.json.gz"), &l)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (s *stateDir) saveLast(l *lastAccepted) error {
	return writeAtomic(filepath.Join(s.dir, "last.json.gz"), func(w io.Writer) error { return writeGz(w, l) })
}

// enqueue writes a snapshot to the queue under a fresh upload id, then
// drops the oldest entries while the queue exceeds its cap (never the new
// one).
func (s *stateDir) enqueue(snap *snapshot.Snapshot, cap int64) ([]string, error) {
	var b [12]byte
	rand.Read(b[:])
	name := fmt.Sprintf("%020d-%s.json.gz", time.Now().UnixNano(), hex.EncodeToString(b[:]))
	if err := writeAtomic(filepath.Join(s.dir, "queue", name), func(w io.Writer) error { return writeGz(w, snap) }); err != nil {
		return nil, fmt.Errorf("queue snapshot: %w", err)
	}
	items, err := s.queued()
	if err != nil {
		return nil, err
	}
	var total int64
	for _, it := range items {
		total += it.size
	}
	var dropped []string
	for i := 0; total > cap && i < len(items)-1; i++ {
		if err := os.Remove(items[i].path); err == nil {
			total -= items[i].size
			dropped = append(dropped, items[i].path)
		}
	}
	return dropped, nil
}

// queued lists the queue, oldest first.
func (s *stateDir) queued() ([]queueItem, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "queue"))
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	var out []queueItem
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".json.gz") || strings.HasPrefix(name, ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		id := strings.TrimSuffix(name, ".json.gz")
		if i := strings.IndexByte(id, '-'); i >= 0 {
			id = "agent-" + id[i+1:]
		}
		out = append(out, queueItem{path: filepath.Join(s.dir, "queue", name), uploadID: id, size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

func (s *stateDir) load(it queueItem) (*snapshot.Snapshot, error) {
	var snap snapshot.Snapshot
	return &snap, readGz(it.path, &snap)
}

func (s *stateDir) remove(it queueItem) error {
	if err := os.Remove(it.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// reject moves a refused snapshot aside, keeping the ten latest.
func (s *stateDir) reject(it queueItem) error {
	dst := filepath.Join(s.dir, "rejected", filepath.Base(it.path))
	if err := os.Rename(it.path, dst); err != nil {
		return err
	}
	ents, _ := os.ReadDir(filepath.Join(s.dir, "rejected"))
	for i := 0; i < len(ents)-10; i++ {
		os.Remove(filepath.Join(s.dir, "rejected", ents[i].Name()))
	}
	return nil
}

func writeGz(w io.Writer, v any) error {
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return err
	}
	return zw.Close()
}

func readGz(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeAtomic replaces path (mode 0600: credentials and queued snapshots)
// so a crash never leaves half a file.
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, write)
}
