package collect

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestTypeDigests: digests a file type needs are computed for files of
// that type in their one read, and for no other file; a cached record of
// that type that lacks them is read again.
func TestTypeDigests(t *testing.T) { bothWalkers(t, testTypeDigests) }

func testTypeDigests(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"a/small.dll": fakePE("a small PE"),
		"a/big.exe":   fakePE(strings.Repeat("0123456789abcdef", 80<<10)), // more than one read buffer
		"a/far.dll":   farPEBytes(0x1000),                                 // PE header beyond the sniffed head
		"a/notpe.dll": farPEBytes(0x1000)[:0x1002],                        // its DOS header points past the end
		"b/lib.so":    "\x7fELF" + strings.Repeat("e", 2000),
		"b/c/x.txt":   "x",
	}
	var size int64
	for rel, content := range files {
		write(t, root, rel, content)
		size += int64(len(content))
	}
	byType := func(ft string) Digests { return Digests{MD5: ft == snapshot.TypePE} }
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	run := func(byType func(string) Digests) *snapshot.Snapshot {
		c, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		s := collectDir(t, root, Options{Digests: Digests{SHA256: true}, TypeDigests: byType, Cache: c})
		if err := c.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(name string, s *snapshot.Snapshot, hashed, bytes int64) {
		t.Helper()
		if s.Stats.FilesHashed != hashed || s.Stats.BytesHashed != bytes {
			t.Errorf("%s: hashed %d files, %d bytes; want %d, %d", name, s.Stats.FilesHashed, s.Stats.BytesHashed, hashed, bytes)
		}
		got := byPath(s)
		for rel, content := range files {
			f := got["/"+rel]
			want := ""
			if f.Type == snapshot.TypePE {
				m := md5.Sum([]byte(content))
				want = hex.EncodeToString(m[:])
			}
			if f.SHA256 != sum(content) || f.MD5 != want {
				t.Errorf("%s: %s (%s): sha256 %q md5 %q, want md5 %q", name, rel, f.Type, f.SHA256, f.MD5, want)
			}
		}
	}
	s := run(byType)
	if got := byPath(s); got["/a/far.dll"].Type != snapshot.TypePE || got["/a/notpe.dll"].Type != snapshot.TypeOther {
		t.Errorf("far PE header: types %q and %q, want pe and other", got["/a/far.dll"].Type, got["/a/notpe.dll"].Type)
	}
	cacheFile = filepath.Join(t.TempDir(), "b.bin")
	check("no cache: one read of every file", run(byType), 6, size)
	cacheFile = filepath.Join(t.TempDir(), "d.bin")
	run(nil)
	pe := int64(len(files["a/small.dll"]) + len(files["a/big.exe"]) + len(files["a/far.dll"]))
	check("cached without the md5: the PE files are read again", run(byType), 3, pe)
	check("then all from the cache", run(byType), 0, 0)
}

// farPEBytes is a PE whose DOS header points to its signature at off,
// beyond the bytes Sniff sees.
func farPEBytes(off int) string {
	b := make([]byte, off+0x100)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], uint32(off))
	copy(b[off:], "PE\x00\x00")
	return string(b)
}
