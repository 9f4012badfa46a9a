package collect

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestMoreDigests: a file whose SHA-256 asks for more digests gets them,
// computed from its content (small and large files alike), and no other
// file does; a cached record that lacks them is read again, and the
// record that gains them is cached with them.
func TestMoreDigests(t *testing.T) { bothWalkers(t, testMoreDigests) }

func testMoreDigests(t *testing.T) {
	root := t.TempDir()
	big := strings.Repeat("0123456789abcdef", 80<<10) // more than one read buffer
	files := map[string]string{"a/target.dll": "the file an MD5 names", "a/big.bin": big, "b/other.dll": "another file", "b/c/x.txt": "x"}
	for rel, content := range files {
		write(t, root, rel, content)
	}
	wanted := map[string]bool{sum(files["a/target.dll"]): true, sum(big): true}
	more := func(f *snapshot.File) Digests { return Digests{MD5: wanted[f.SHA256], SHA1: wanted[f.SHA256]} }
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	run := func(more func(*snapshot.File) Digests) *snapshot.Snapshot {
		c, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		s := collectDir(t, root, Options{Digests: Digests{SHA256: true}, MoreDigests: more, Cache: c})
		if err := c.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(name string, s *snapshot.Snapshot, hashed int64) {
		t.Helper()
		if s.Stats.FilesHashed != hashed {
			t.Errorf("%s: hashed %d files, want %d", name, s.Stats.FilesHashed, hashed)
		}
		got := byPath(s)
		for rel, content := range files {
			f := got["/"+rel]
			wantMD5, wantSHA1 := "", ""
			if wanted[sum(content)] {
				m, h := md5.Sum([]byte(content)), sha1.Sum([]byte(content))
				wantMD5, wantSHA1 = hex.EncodeToString(m[:]), hex.EncodeToString(h[:])
			}
			if f.SHA256 != sum(content) || f.MD5 != wantMD5 || f.SHA1 != wantSHA1 {
				t.Errorf("%s: %s: sha256 %q md5 %q sha1 %q, want md5 %q sha1 %q", name, rel, f.SHA256, f.MD5, f.SHA1, wantMD5, wantSHA1)
			}
		}
	}
	s := run(nil)
	if s.Files[0].MD5 != "" {
		t.Fatal("md5 computed without being asked")
	}
	check("first scan with more digests: the two files are read again", run(more), 2)
	check("second scan: all from the cache", run(more), 0)
}
