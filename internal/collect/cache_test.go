package collect

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestCacheRoundTrip(t *testing.T) {
	name := filepath.Join(t.TempDir(), "c.bin")
	sha := Digests{SHA256: true}
	keys := []CacheKey{
		{Dev: 1, Ino: 9, Size: 3, Mtime: -5, Ctime: 7}, // negative times sort before positive ones
		{Dev: 1, Ino: 9, Size: 3, Mtime: 5, Ctime: 7},
		{Dev: 1, Ino: 2, Size: 1 << 40, Mtime: 1, Ctime: 1},
		{Dev: 0, Ino: 1 << 63, Size: 0, Mtime: 0, Ctime: -1},
	}
	c := NewCache()
	for i, k := range keys {
		f := snapshot.File{Type: snapshot.TypeOther, SHA256: sum(string(rune('a' + i)))}
		if i == 2 {
			f.Type, f.Meta = snapshot.TypePE, map[string]string{"pe.product": "3CX"}
		}
		c.Put(k, f, sha, "v1")
	}
	if err := c.Save(name); err != nil {
		t.Fatal(err)
	}

	c, err := LoadCache(name)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != len(keys) {
		t.Fatalf("loaded %d entries, want %d", c.Len(), len(keys))
	}
	for i, k := range keys {
		f, ok := c.Get(k, sha, "v1")
		if !ok || f.SHA256 != sum(string(rune('a'+i))) {
			t.Fatalf("key %d: got %+v, %v", i, f, ok)
		}
		if i == 2 && (f.Type != snapshot.TypePE || f.Meta["pe.product"] != "3CX") {
			t.Errorf("content facts lost: %+v", f)
		}
	}
	for _, miss := range []struct {
		name string
		key  CacheKey
		want Digests
		ver  string
	}{
		{"changed ctime", CacheKey{Dev: 1, Ino: 9, Size: 3, Mtime: 5, Ctime: 8}, sha, "v1"},
		{"unknown inode", CacheKey{Dev: 7}, sha, "v1"},
		{"digest not cached", keys[0], Digests{SHA256: true, MD5: true}, "v1"},
		{"other collectors", keys[0], sha, "v2"},
	} {
		if _, ok := c.Get(miss.key, miss.want, miss.ver); ok {
			t.Errorf("%s: hit, want a miss", miss.name)
		}
	}

	// A run that uses two entries and replaces one: the third drops out.
	c, _ = LoadCache(name)
	c.Get(keys[0], sha, "v1")
	c.Get(keys[1], sha, "v1")
	c.Put(keys[1], snapshot.File{Type: snapshot.TypeELF, SHA256: sum("new")}, sha, "v1")
	if err := c.Save(name); err != nil {
		t.Fatal(err)
	}
	c, _ = LoadCache(name)
	if c.Len() != 2 {
		t.Fatalf("after the second run: %d entries, want 2", c.Len())
	}
	if f, ok := c.Get(keys[1], sha, "v1"); !ok || f.Type != snapshot.TypeELF || f.SHA256 != sum("new") {
		t.Errorf("replaced entry = %+v, %v", f, ok)
	}
	if _, ok := c.Get(keys[2], sha, "v1"); ok {
		t.Error("an entry unused by the last run survived")
	}

	// Nothing used, nothing put: an unchanged cache is not rewritten.
	before, _ := os.Stat(name)
	c, _ = LoadCache(name)
	c.Get(keys[0], sha, "v1")
	c.Get(keys[1], sha, "v1")
	if err := c.Save(name); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(name); !after.ModTime().Equal(before.ModTime()) || !os.SameFile(before, after) {
		t.Error("an unchanged cache was rewritten")
	}
}

func TestCacheCorrupt(t *testing.T) {
	c := NewCache()
	c.Put(CacheKey{Ino: 1}, snapshot.File{Type: snapshot.TypeOther, SHA256: sum("a")}, Digests{SHA256: true}, "v")
	c.Put(CacheKey{Ino: 2}, snapshot.File{Type: snapshot.TypeOther, SHA256: sum("b")}, Digests{SHA256: true}, "v")
	var b bytes.Buffer
	c.encode(&b)
	good := b.Bytes()
	head := len(cacheMagic) + 1 + 1 + 4
	swapped := append([]byte(nil), good...)
	copy(swapped[head:], good[head+entrySize:head+2*entrySize])
	copy(swapped[head+entrySize:], good[head:head+entrySize])
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"old format", []byte("CASCADE-DIGESTS/1\n\x01v"), "not a cascade digest cache"},
		{"truncated entries", good[:len(good)-10], "truncated"},
		{"out of order", swapped, "out of order"},
		{"short header", []byte(cacheMagic + "\x05ab"), "truncated header"},
	} {
		_, err := decodeCache(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := decodeCache(good); err != nil {
		t.Fatalf("good cache: %v", err)
	}
}
