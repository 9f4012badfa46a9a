package collect

import (
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFileRecordHasBirthTime checks that the native walker records the
// filesystem's birth time, on a fresh read and on a digest-cache hit
// (the cache keeps content facts only, so the walk supplies it).
func TestFileRecordHasBirthTime(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a/old.bin", "content")
	p := filepath.Join(root, "a", "old.bin")
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, p, 0, unix.STATX_BTIME, &st); err != nil || st.Mask&unix.STATX_BTIME == 0 {
		t.Skipf("no birth time on this filesystem (%v)", err)
	}
	want := time.Unix(st.Btime.Sec, int64(st.Btime.Nsec)).UTC()
	// An mtime set back, as a copy that keeps it would: the birth stays.
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := unix.UtimesNano(p, []unix.Timespec{unix.NsecToTimespec(old.UnixNano()), unix.NsecToTimespec(old.UnixNano())}); err != nil {
		t.Fatal(err)
	}
	cacheFile := filepath.Join(t.TempDir(), "c.bin")
	for _, run := range []string{"read", "cached"} {
		cache, err := LoadCache(cacheFile)
		if err != nil {
			t.Fatal(err)
		}
		snap := collectDir(t, root, Options{Digests: Digests{SHA256: true}, Cache: cache})
		if err := cache.Save(cacheFile); err != nil {
			t.Fatal(err)
		}
		f := byPath(snap)["/a/old.bin"]
		if !f.BirthTime.Equal(want) || !f.ModTime.Equal(old) {
			t.Errorf("%s: btime %v mtime %v, want %v and %v", run, f.BirthTime, f.ModTime, want, old)
		}
		if run == "cached" && snap.Stats.FilesCached != 1 {
			t.Fatalf("second run did not hit the cache: %+v", snap.Stats)
		}
	}
}
