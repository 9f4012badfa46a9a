// Package fleet is the fleet server's data model and wire protocol, shared
// by the server, its store, the agent and API clients: hosts with roles,
// observations with time intervals, findings with their triage state and
// exposure window, intel documents, hunts, and the snapshot upload format
// (a full snapshot or a delta against the last one the server accepted).
package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Key identifies one observed item (a software record, a file by path and
// digest, an artifact) on one host. Two snapshots that both contain an item
// with the same key saw the same thing; a changed version or digest is a
// different key.
type Key [16]byte

// String is the key in lower-case hex.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// MarshalText writes the key as hex.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a hex key.
func (k *Key) UnmarshalText(b []byte) error {
	if len(b) != 32 {
		return fmt.Errorf("key %q: want 32 hex characters", truncate(string(b), 40))
	}
	if _, err := hex.Decode(k[:], b); err != nil {
		return fmt.Errorf("key %q: not hex", truncate(string(b), 40))
	}
	return nil
}

func keyOf(kind string, parts ...string) Key {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

// SoftwareKey identifies a software record: the same product, version,
// scope and origin. A new version is a new observation.
func SoftwareKey(s *snapshot.Software) Key {
	return keyOf("software", s.Ecosystem, s.Source, s.Name, s.Version, s.BuildVersion, s.Arch,
		s.Identifier, s.User, s.InstallPath, s.Vendor)
}

// FileKey identifies a file by path and content. Without any digest the
// size and modification time stand in for the content.
func FileKey(f *snapshot.File) Key {
	if f.SHA256 == "" && f.SHA1 == "" && f.MD5 == "" {
		return keyOf("file", f.Path, "", "", "", strconv.FormatInt(f.Size, 10),
			strconv.FormatInt(f.ModTime.UnixNano(), 10))
	}
	return keyOf("file", f.Path, lower(f.SHA256), lower(f.SHA1), lower(f.MD5))
}

// ArtifactKey identifies a network or download trace by what it names and
// where it was read, not by its timestamps.
func ArtifactKey(a *snapshot.Artifact) Key {
	if k, ok := liveKey(a); ok {
		return k
	}
	if a.Hashed {
		// A hashed known_hosts entry has no domain or IP: its |1|salt|hash
		// is what tells two entries of one file apart. Only these keys
		// carry Host, so no other artifact's key changed when it was added.
		return keyOf("artifact", a.Kind, a.Source, a.URL, a.Domain, a.IP, a.TargetPath, a.Browser, a.User, a.Host)
	}
	switch a.Kind {
	case snapshot.ArtifactPersistence, snapshot.ArtifactQuarantineEvent:
		// One Run key, crontab or quarantine database holds many entries:
		// each is its own observation.
		return keyOf("artifact", a.Kind, a.Source, a.URL, a.Domain, a.IP, a.TargetPath, a.Browser, a.User,
			a.Name, a.Command, a.Args)
	}
	if a.Path != "" { // execution evidence: many entries share one source (a Shimcache value)
		return keyOf("artifact", a.Kind, a.Source, a.URL, a.Domain, a.IP, a.TargetPath, a.Browser, a.User, a.Path)
	}
	return keyOf("artifact", a.Kind, a.Source, a.URL, a.Domain, a.IP, a.TargetPath, a.Browser, a.User)
}

// Digest summarizes a set of keys: the XOR of them all. Adding and removing
// a key are the same operation, so a delta updates it in O(changes).
type Digest [16]byte

// Toggle adds k to the set, or removes it when it is there.
func (d *Digest) Toggle(k Key) {
	for i := range d {
		d[i] ^= k[i]
	}
}

// String is the digest in hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText writes the digest as hex.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a hex digest.
func (d *Digest) UnmarshalText(b []byte) error { return (*Key)(d).UnmarshalText(b) }

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// liveKey identifies a live-state record by what stays the same while the
// program keeps running or runs again, never by pid, source table, local
// ephemeral port or start time, which change with every start and boot:
// a process by its image and digest (its name when it has no image), a
// connection by protocol, remote address and port and the owning image
// (a listener by its local address and port instead).
func liveKey(a *snapshot.Artifact) (Key, bool) {
	switch {
	case a.Process != nil:
		p := a.Process
		name := ""
		if p.Image == "" {
			name = p.Name
		}
		return keyOf("process", p.Image, lower(p.SHA256), name, strconv.FormatBool(p.ImageDeleted)), true
	case a.Conn != nil:
		c := a.Conn
		local := ""
		if a.IP == "" {
			local = c.LocalIP + ":" + strconv.Itoa(c.LocalPort)
		}
		return keyOf("connection", c.Protocol, local, a.IP, strconv.Itoa(a.Port), c.Image), true
	}
	return Key{}, false
}
