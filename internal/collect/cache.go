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
	"slices"
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
// The file holds fixed-size entries sorted by key, so loading is one read
// and a lookup is a binary search over the loaded bytes: a re-scan does not
// pay for rebuilding an index of every file it knows. During a collection
// the loaded entries are only read (Get flips atomic used flags), and Put
// files new records in a side map (under a mutex) that Save merges.
type Cache struct {
	version string
	entries []byte // n × entrySize, sorted by key
	extras  []byte // content facts, addressed by the entries
	n       int
	used    []atomic.Bool
	nused   atomic.Int64 // loaded entries used since loading

	mu         sync.Mutex
	pending    map[CacheKey]*cacheEntry // put since loading
	putVersion string                   // collectors version of the pending entries
}

// cacheEntry is one file's facts, as Put receives them.
type cacheEntry struct {
	have   Digests
	typ    byte // index in cacheTypes
	sha256 [32]byte
	sha1   [20]byte
	md5    [16]byte
	extra  []byte // JSON of content facts, nil when none
}

// contentFacts are the parts of a record content collectors fill in, and
// the problems they met, so a re-scan that takes the record from the cache
// reports them again.
type contentFacts struct {
	Meta       map[string]string    `json:"m,omitempty"`
	Signatures []snapshot.Signature `json:"s,omitempty"`
	Anomalies  []snapshot.Anomaly   `json:"a,omitempty"`
	Problems   []Problem            `json:"e,omitempty"`
	// YARA are the rule scanner's matches; the content version carries
	// the rule set's fingerprint.
	YARA []snapshot.YARAMatch `json:"y,omitempty"`
}

// Problem is a content collector's error about a file, kept with its
// cached record.
type Problem struct {
	Stage string `json:"s"`
	Err   string `json:"m"`
}

// The file: cacheMagic, the collectors version (uvarint length, bytes),
// the entry count (uint32), the entries, then the content facts. An entry
// is the key (five little-endian uint64), the digest bits, the type code,
// two zero bytes, the offset and length of its facts (two uint32) and the
// SHA-256, SHA-1 and MD5 digests.
const (
	cacheMagic = "CASCADE-DIGESTS/2\n"
	keySize    = 40
	entrySize  = keySize + 4 + 8 + 32 + 20 + 16
)

// cacheTypes are the file types an entry can hold, by code.
var cacheTypes = []string{snapshot.TypeOther, snapshot.TypePE, snapshot.TypeELF, snapshot.TypeMachO,
	snapshot.TypeScript, snapshot.TypeZIP, snapshot.TypeMSI, snapshot.TypeOLE, snapshot.TypeDMG}

func typeCode(t string) (byte, bool) {
	for i, c := range cacheTypes {
		if c == t {
			return byte(i), true
		}
	}
	return 0, false
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{} }

// Len is the number of loaded entries.
func (c *Cache) Len() int { return c.n }

// Get returns the cached record for key if it has the wanted digests and
// was made by the same content collectors.
func (c *Cache) Get(key CacheKey, want Digests, version string) (snapshot.File, bool) {
	f, _, ok := c.GetWithProblems(key, want, version)
	return f, ok
}

// GetWithProblems is Get that also returns the problems content
// collectors met when the record was made.
func (c *Cache) GetWithProblems(key CacheKey, want Digests, version string) (snapshot.File, []Problem, bool) {
	if c.n == 0 || c.version != version {
		return snapshot.File{}, nil, false
	}
	i, ok := c.find(key)
	if !ok {
		return snapshot.File{}, nil, false
	}
	e := c.entries[i*entrySize : (i+1)*entrySize]
	have := bitsDigests(e[keySize])
	if !want.Covers(have) || int(e[keySize+1]) >= len(cacheTypes) {
		return snapshot.File{}, nil, false
	}
	f, probs, ok := c.record(e, have)
	if ok && !c.used[i].Swap(true) {
		c.nused.Add(1)
	}
	return f, probs, ok
}

// find binary-searches the loaded entries for key.
func (c *Cache) find(key CacheKey) (int, bool) {
	var kb [keySize]byte
	putKey(kb[:0], key)
	k0, k1 := binary.BigEndian.Uint64(kb[:]), binary.BigEndian.Uint64(kb[8:])
	lo, hi := 0, c.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		e := c.entries[m*entrySize : m*entrySize+keySize]
		// Device and inode decide nearly every step; compare them as words.
		cmp := cmpUint(binary.BigEndian.Uint64(e), k0)
		if cmp == 0 {
			cmp = cmpUint(binary.BigEndian.Uint64(e[8:]), k1)
		}
		if cmp == 0 {
			cmp = bytes.Compare(e[16:], kb[16:])
		}
		switch cmp {
		case 0:
			return m, true
		case -1:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// putKey appends key so that byte order is key order: big-endian, with the
// sign bit of the signed fields flipped.
func putKey(b []byte, k CacheKey) []byte {
	const flip = 1 << 63
	b = binary.BigEndian.AppendUint64(b, k.Dev)
	b = binary.BigEndian.AppendUint64(b, k.Ino)
	b = binary.BigEndian.AppendUint64(b, uint64(k.Size)^flip)
	b = binary.BigEndian.AppendUint64(b, uint64(k.Mtime)^flip)
	return binary.BigEndian.AppendUint64(b, uint64(k.Ctime)^flip)
}

// record rebuilds a file's facts from a loaded entry; false when its
// content facts cannot be read.
func (c *Cache) record(e []byte, have Digests) (snapshot.File, []Problem, bool) {
	f := snapshot.File{Type: cacheTypes[e[keySize+1]]}
	d := e[keySize+12:]
	if have.SHA256 {
		f.SHA256 = hex.EncodeToString(d[:32])
	}
	if have.SHA1 {
		f.SHA1 = hex.EncodeToString(d[32:52])
	}
	if have.MD5 {
		f.MD5 = hex.EncodeToString(d[52:68])
	}
	off := uint64(binary.LittleEndian.Uint32(e[keySize+4:]))
	n := uint64(binary.LittleEndian.Uint32(e[keySize+8:]))
	if n == 0 {
		return f, nil, true
	}
	if off+n > uint64(len(c.extras)) {
		return snapshot.File{}, nil, false
	}
	var cf contentFacts
	if json.Unmarshal(c.extras[off:off+n], &cf) != nil {
		return snapshot.File{}, nil, false
	}
	f.Meta, f.Signatures, f.Anomalies = cf.Meta, cf.Signatures, cf.Anomalies
	f.YARA = cf.YARA
	return f, cf.Problems, true
}

// Put records f under key, with the problems content collectors met.
func (c *Cache) Put(key CacheKey, f snapshot.File, have Digests, version string, probs ...Problem) {
	typ, ok := typeCode(f.Type)
	if !ok {
		return
	}
	e := &cacheEntry{have: have, typ: typ}
	hex.Decode(e.sha256[:], []byte(f.SHA256))
	hex.Decode(e.sha1[:], []byte(f.SHA1))
	hex.Decode(e.md5[:], []byte(f.MD5))
	if len(f.Meta) > 0 || len(f.Signatures) > 0 || len(f.Anomalies) > 0 || len(probs) > 0 || len(f.YARA) > 0 {
		e.extra, _ = json.Marshal(contentFacts{f.Meta, f.Signatures, f.Anomalies, probs, f.YARA})
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
	return len(c.pending) == 0 && c.nused.Load() == int64(c.n)
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

// encode writes the loaded entries still in use and the pending ones, in
// key order.
func (c *Cache) encode(w io.Writer) {
	version := c.version
	keepLoaded := true
	if len(c.pending) > 0 && c.putVersion != c.version {
		// Entries made by other collectors than the pending ones are stale.
		version, keepLoaded = c.putVersion, false
	}
	type item struct {
		key   [keySize]byte
		entry []byte // a loaded entry, or nil
		put   *cacheEntry
	}
	var items []item
	if keepLoaded {
		for i := range c.n {
			if !c.used[i].Load() {
				continue
			}
			e := c.entries[i*entrySize : (i+1)*entrySize]
			it := item{entry: e}
			copy(it.key[:], e)
			items = append(items, it)
		}
	}
	for k, e := range c.pending {
		it := item{put: e}
		putKey(it.key[:0], k)
		items = append(items, it)
	}
	// Stable, with loaded entries first: a pending entry for the same key
	// follows its loaded one and replaces it below.
	slices.SortStableFunc(items, func(a, b item) int { return bytes.Compare(a.key[:], b.key[:]) })
	kept := items[:0]
	for _, it := range items {
		if n := len(kept); n > 0 && kept[n-1].key == it.key {
			kept[n-1] = it
			continue
		}
		kept = append(kept, it)
	}

	var b []byte
	b = append(b, cacheMagic...)
	b = binary.AppendUvarint(b, uint64(len(version)))
	b = append(b, version...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(kept)))
	w.Write(b)
	var extras []byte
	for _, it := range kept {
		b = append(b[:0], it.key[:]...)
		var extra []byte
		if it.entry != nil {
			b = append(b, it.entry[keySize:keySize+4]...)
			off := binary.LittleEndian.Uint32(it.entry[keySize+4:])
			n := binary.LittleEndian.Uint32(it.entry[keySize+8:])
			if n > 0 && uint64(off)+uint64(n) <= uint64(len(c.extras)) {
				extra = c.extras[off : off+n]
			}
		} else {
			b = append(b, digestBits(it.put.have), it.put.typ, 0, 0)
			extra = it.put.extra
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(extras)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(extra)))
		extras = append(extras, extra...)
		if it.entry != nil {
			b = append(b, it.entry[keySize+12:]...)
		} else {
			b = append(b, it.put.sha256[:]...)
			b = append(b, it.put.sha1[:]...)
			b = append(b, it.put.md5[:]...)
		}
		w.Write(b)
	}
	w.Write(extras)
}

// decodeCache checks a cache file's header and size; entries are read
// where they lie.
func decodeCache(data []byte) (*Cache, error) {
	if !bytes.HasPrefix(data, []byte(cacheMagic)) {
		return nil, errors.New("not a cascade digest cache (or one from another release)")
	}
	p := data[len(cacheMagic):]
	n, k := binary.Uvarint(p)
	if k <= 0 || uint64(len(p)-k) < n {
		return nil, errors.New("truncated header")
	}
	c := NewCache()
	c.version = string(p[k : k+int(n)])
	p = p[k+int(n):]
	if len(p) < 4 {
		return nil, errors.New("truncated header")
	}
	count := uint64(binary.LittleEndian.Uint32(p))
	p = p[4:]
	if count*entrySize > uint64(len(p)) {
		return nil, fmt.Errorf("truncated: %d entries announced, room for %d", count, len(p)/entrySize)
	}
	c.n = int(count)
	c.entries = p[:c.n*entrySize]
	c.extras = p[c.n*entrySize:]
	for i := 1; i < c.n; i++ {
		if bytes.Compare(c.entries[(i-1)*entrySize:(i-1)*entrySize+keySize], c.entries[i*entrySize:i*entrySize+keySize]) >= 0 {
			return nil, fmt.Errorf("entry %d is out of order", i)
		}
	}
	c.used = make([]atomic.Bool, c.n)
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
