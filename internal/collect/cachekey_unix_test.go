//go:build linux || darwin

package collect

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestCacheKeyHasCtime pins ctime in the digest cache's key: a file whose
// size and mtime were put back after a change (touch -r, or a tool that
// restores timestamps to hide an edit) differs only in its ctime, which no
// user tool can set. Such a file must be read again.
func TestCacheKeyHasCtime(t *testing.T) { bothWalkers(t, testCacheKeyHasCtime) }

func testCacheKeyHasCtime(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, p string)
		want   string // the content the new record must describe
	}{
		{"chmod", func(t *testing.T, p string) {
			if err := os.Chmod(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "original"},
		{"same-size rewrite, mtime put back", func(t *testing.T, p string) {
			st, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("tampered"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, "tampered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "lib.so", "original")
			p := filepath.Join(root, "lib.so")
			cacheFile := filepath.Join(t.TempDir(), "c.bin")
			run := func() *snapshot.Snapshot {
				c, err := LoadCache(cacheFile)
				if err != nil {
					t.Fatal(err)
				}
				s := collectDir(t, root, Options{Digests: Digests{SHA256: true}, Cache: c})
				if err := c.Save(cacheFile); err != nil {
					t.Fatal(err)
				}
				return s
			}
			run()
			before := statOf(t, p)
			changeUntilCtimeMoves(t, p, before, tc.change)
			after := statOf(t, p)
			if after.Size != before.Size || mtimeOf(after) != mtimeOf(before) {
				t.Fatalf("the change moved more than ctime: size %d→%d, mtime %v→%v",
					before.Size, after.Size, mtimeOf(before), mtimeOf(after))
			}
			s := run()
			if s.Stats.FilesHashed != 1 || s.Stats.FilesCached != 0 {
				t.Errorf("after a ctime-only change: hashed %d, cached %d; want the file read again",
					s.Stats.FilesHashed, s.Stats.FilesCached)
			}
			if len(s.Files) != 1 || s.Files[0].SHA256 != sum(tc.want) {
				t.Errorf("record = %+v, want the digest of %q", s.Files, tc.want)
			}
		})
	}
}

// changeUntilCtimeMoves applies change until the file's ctime differs from
// before's: file times come from a coarse clock, so a change made within
// the same tick as the first scan's view may leave ctime where it was.
func changeUntilCtimeMoves(t *testing.T, p string, before *syscall.Stat_t, change func(*testing.T, string)) {
	t.Helper()
	for range 100 {
		time.Sleep(5 * time.Millisecond)
		change(t, p)
		if ctimeOf(statOf(t, p)) != ctimeOf(before) {
			return
		}
	}
	t.Skip("ctime did not move on this file system")
}

func statOf(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}
