package collect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// CacheKey is a file's stat identity; see statKey.
type CacheKey struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64
}

// Cache remembers what was learnt about each file by its stat identity, so
// a re-scan of an unchanged file reads nothing. Entries not used during a
// run are dropped when it is saved. Safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	version string
	entries map[CacheKey]*cacheEntry
}

type cacheEntry struct {
	have   Digests
	typ    string
	sha256 [32]byte
	sha1   [20]byte
	md5    [16]byte
	extra  []byte // JSON of content facts, nil when none
	used   bool
}

// contentFacts are the parts of a record content collectors fill in.
type contentFacts struct {
	Meta       map[string]string    `json:"m,omitempty"`
	Signatures []snapshot.Signature `json:"s,omitempty"`
	Anomalies  []snapshot.Anomaly   `json:"a,omitempty"`
}

const cacheMagic = "CASCADE-DIGESTS/1\n"

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[CacheKey]*cacheEntry{}} }

// Len is the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Get returns the cached record for key if it has the wanted digests and
// was made by the same content collectors.
func (c *Cache) Get(key CacheKey, want Digests, version string) (snapshot.File, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok && (c.version != version || !want.Covers(e.have)) {
		ok = false
	}
	if ok {
		e.used = true
	}
	c.mu.Unlock()
	if !ok {
		return snapshot.File{}, false
	}
	f := snapshot.File{Type: e.typ}
	if e.have.SHA256 {
		f.SHA256 = hex.EncodeToString(e.sha256[:])
	}
	if e.have.SHA1 {
		f.SHA1 = hex.EncodeToString(e.sha1[:])
	}
	if e.have.MD5 {
		f.MD5 = hex.EncodeToString(e.md5[:])
	}
	if e.extra != nil {
		var cf contentFacts
		if json.Unmarshal(e.extra, &cf) != nil {
			return snapshot.File{}, false
		}
		f.Meta, f.Signatures, f.Anomalies = cf.Meta, cf.Signatures, cf.Anomalies
	}
	return f, true
}

// Put records f under key.
func (c *Cache) Put(key CacheKey, f snapshot.File, have Digests, version string) {
	e := &cacheEntry{have: have, typ: f.Type, used: true}
	hex.Decode(e.sha256[:], []byte(f.SHA256))
	hex.Decode(e.sha1[:], []byte(f.SHA1))
	hex.Decode(e.md5[:], []byte(f.MD5))
	if len(f.Meta) > 0 || len(f.Signatures) > 0 || len(f.Anomalies) > 0 {
		e.extra, _ = json.Marshal(contentFacts{f.Meta, f.Signatures, f.Anomalies})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version = version
		clear(c.entries)
	}
	c.entries[key] = e
}

// LoadCache reads a cache file. A missing file is an empty cache; a
// corrupt one is an error (the caller may start afresh).
func LoadCache(name string) (*Cache, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return NewCache(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("digest cache %s: %w", name, err)
	}
	c, err := decodeCache(data)
	if err != nil {
		return nil, fmt.Errorf("digest cache %s: %w", name, err)
	}
	return c, nil
}

// Save writes the entries used since loading, atomically.
func (c *Cache) Save(name string) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return fmt.Errorf("digest cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".digests-*")
	if err != nil {
		return fmt.Errorf("digest cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	c.mu.Lock()
	c.encode(w)
	c.mu.Unlock()
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("digest cache %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("digest cache %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("digest cache %s: %w", name, err)
	}
	return nil
}

func (c *Cache) encode(w io.Writer) {
	var b []byte
	b = append(b, cacheMagic...)
	b = binary.AppendUvarint(b, uint64(len(c.version)))
	b = append(b, c.version...)
	w.Write(b)
	for k, e := range c.entries {
		if !e.used {
			continue
		}
		b = b[:0]
		b = binary.LittleEndian.AppendUint64(b, k.Dev)
		b = binary.LittleEndian.AppendUint64(b, k.Ino)
		b = binary.LittleEndian.AppendUint64(b, uint64(k.Size))
		b = binary.LittleEndian.AppendUint64(b, uint64(k.Mtime))
		b = binary.LittleEndian.AppendUint64(b, uint64(k.Ctime))
		b = append(b, digestBits(e.have), byte(len(e.typ)))
		b = append(b, e.typ...)
		b = append(b, e.sha256[:]...)
		b = append(b, e.sha1[:]...)
		b = append(b, e.md5[:]...)
		b = binary.AppendUvarint(b, uint64(len(e.extra)))
		b = append(b, e.extra...)
		w.Write(b)
	}
}

const fixedEntry = 40 + 2

func decodeCache(data []byte) (*Cache, error) {
	c := NewCache()
	if !bytes.HasPrefix(data, []byte(cacheMagic)) {
		return nil, errors.New("not a cascade digest cache")
	}
	p := data[len(cacheMagic):]
	n, k := binary.Uvarint(p)
	if k <= 0 || uint64(len(p)-k) < n {
		return nil, errors.New("truncated header")
	}
	c.version = string(p[k : k+int(n)])
	p = p[k+int(n):]
	for len(p) > 0 {
		if len(p) < fixedEntry {
			return nil, errors.New("truncated entry")
		}
		var key CacheKey
		key.Dev = binary.LittleEndian.Uint64(p)
		key.Ino = binary.LittleEndian.Uint64(p[8:])
		key.Size = int64(binary.LittleEndian.Uint64(p[16:]))
		key.Mtime = int64(binary.LittleEndian.Uint64(p[24:]))
		key.Ctime = int64(binary.LittleEndian.Uint64(p[32:]))
		e := &cacheEntry{have: bitsDigests(p[40])}
		tl := int(p[41])
		p = p[fixedEntry:]
		if len(p) < tl+32+20+16 {
			return nil, errors.New("truncated entry")
		}
		e.typ = string(p[:tl])
		p = p[tl:]
		copy(e.sha256[:], p)
		copy(e.sha1[:], p[32:])
		copy(e.md5[:], p[52:])
		p = p[68:]
		xl, k := binary.Uvarint(p)
		if k <= 0 || uint64(len(p)-k) < xl {
			return nil, errors.New("truncated entry")
		}
		if xl > 0 {
			e.extra = p[k : k+int(xl)]
		}
		p = p[k+int(xl):]
		c.entries[key] = e
	}
	return c, nil
}

func digestBits(d Digests) byte {
	var b byte
	if d.SHA256 {
		b |= 1
	}
	if d.SHA1 {
		b |= 2
	}
	if d.MD5 {
		b |= 4
	}
	return b
}

func bitsDigests(b byte) Digests { return Digests{b&1 != 0, b&2 != 0, b&4 != 0} }
