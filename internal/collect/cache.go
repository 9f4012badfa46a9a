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
	"sync/atomic"

	"github.com/cascade-ir/cascade/internal/atomicfile"

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
//
// During a collection the loaded entries are read without locking: Get
// only reads the index and flips atomic flags, and Put files new records in
// a side list (under a mutex) that Save merges.
type Cache struct {
	version string
	index   map[CacheKey]int32
	list    []cacheEntry // one allocation for all loaded entries
	used    atomic.Int64 // loaded entries used since loading

	mu         sync.Mutex
	pending    map[CacheKey]*cacheEntry // put since loading
	putVersion string                   // collectors version of the pending entries
}

type cacheEntry struct {
	have   Digests
	typ    string
	sha256 [32]byte
	sha1   [20]byte
	md5    [16]byte
	extra  []byte // JSON of content facts, nil when none
	used   atomic.Bool
}

// contentFacts are the parts of a record content collectors fill in.
type contentFacts struct {
	Meta       map[string]string    `json:"m,omitempty"`
	Signatures []snapshot.Signature `json:"s,omitempty"`
	Anomalies  []snapshot.Anomaly   `json:"a,omitempty"`
}

const cacheMagic = "CASCADE-DIGESTS/1\n"

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{index: map[CacheKey]int32{}} }

// Len is the number of loaded entries.
func (c *Cache) Len() int { return len(c.index) }

// Get returns the cached record for key if it has the wanted digests and
// was made by the same content collectors.
func (c *Cache) Get(key CacheKey, want Digests, version string) (snapshot.File, bool) {
	i, ok := c.index[key]
	if !ok || c.version != version || !want.Covers(c.list[i].have) {
		return snapshot.File{}, false
	}
	e := &c.list[i]
	if !e.used.Swap(true) {
		c.used.Add(1)
	}
	f := c.record(e)
	return f, f.Type != ""
}

// record rebuilds a file's facts from an entry; Type is empty when the
// entry's content facts cannot be read.
func (c *Cache) record(e *cacheEntry) snapshot.File {
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
			return snapshot.File{}
		}
		f.Meta, f.Signatures, f.Anomalies = cf.Meta, cf.Signatures, cf.Anomalies
	}
	return f
}

// Put records f under key.
func (c *Cache) Put(key CacheKey, f snapshot.File, have Digests, version string) {
	e := &cacheEntry{have: have, typ: f.Type}
	hex.Decode(e.sha256[:], []byte(f.SHA256))
	hex.Decode(e.sha1[:], []byte(f.SHA1))
	hex.Decode(e.md5[:], []byte(f.MD5))
	if len(f.Meta) > 0 || len(f.Signatures) > 0 || len(f.Anomalies) > 0 {
		e.extra, _ = json.Marshal(contentFacts{f.Meta, f.Signatures, f.Anomalies})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil || c.putVersion != version {
		c.pending = map[CacheKey]*cacheEntry{}
		c.putVersion = version
	}
	c.pending[key] = e
}

// unchanged reports whether saving would write what was loaded: nothing
// put, and every loaded entry still in use.
func (c *Cache) unchanged() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending) == 0 && c.used.Load() == int64(len(c.list))
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

// Save writes the entries used since loading, atomically. An unchanged
// cache is not rewritten.
func (c *Cache) Save(name string) error {
	if c.unchanged() {
		if _, err := os.Stat(name); err == nil {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return fmt.Errorf("digest cache: %w", err)
	}
	err := atomicfile.Write(name, 0o600, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		c.mu.Lock()
		c.encode(bw)
		c.mu.Unlock()
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("digest cache: %w", err)
	}
	return nil
}

func (c *Cache) encode(w io.Writer) {
	version := c.version
	keepLoaded := true
	if len(c.pending) > 0 && c.putVersion != c.version {
		// Entries made by other collectors than the pending ones are stale.
		version, keepLoaded = c.putVersion, false
	}
	var b []byte
	b = append(b, cacheMagic...)
	b = binary.AppendUvarint(b, uint64(len(version)))
	b = append(b, version...)
	w.Write(b)
	for k, i := range c.index {
		if keepLoaded && c.pending[k] == nil && c.list[i].used.Load() {
			w.Write(encodeEntry(b[:0], k, &c.list[i]))
		}
	}
	for k, e := range c.pending {
		w.Write(encodeEntry(b[:0], k, e))
	}
}

func encodeEntry(b []byte, k CacheKey, e *cacheEntry) []byte {
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
	return append(b, e.extra...)
}

const fixedEntry = 40 + 2

func decodeCache(data []byte) (*Cache, error) {
	c := NewCache()
	hint := len(data) / (fixedEntry + 3 + 68 + 1) // an upper bound on the entry count
	c.index = make(map[CacheKey]int32, hint)
	c.list = make([]cacheEntry, 0, hint)
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
		c.list = append(c.list, cacheEntry{have: bitsDigests(p[40])})
		e := &c.list[len(c.list)-1]
		tl := int(p[41])
		p = p[fixedEntry:]
		if len(p) < tl+32+20+16 {
			return nil, errors.New("truncated entry")
		}
		e.typ = internType(p[:tl])
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
		if _, dup := c.index[key]; dup {
			return nil, errors.New("duplicate entry")
		}
		c.index[key] = int32(len(c.list) - 1)
	}
	return c, nil
}

// internType shares the strings of the known file types.
func internType(b []byte) string {
	for _, t := range []string{snapshot.TypeOther, snapshot.TypePE, snapshot.TypeELF, snapshot.TypeMachO,
		snapshot.TypeScript, snapshot.TypeZIP, snapshot.TypeMSI, snapshot.TypeOLE, snapshot.TypeDMG} {
		if string(b) == t {
			return t
		}
	}
	return string(b)
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
