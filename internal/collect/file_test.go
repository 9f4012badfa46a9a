package collect

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestHashFileSizeChanges hashes files whose stat size is stale: the
// digest and size must describe the bytes the file holds when read,
// whichever way readHead and hashFile take.
func TestHashFileSizeChanges(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name      string
		actual    int
		statSize  int64
		wantWhole bool
	}{
		{"empty", 0, 0, true},
		{"one byte", 1, 1, true},
		{"under the sniff length", SniffLen - 1, SniffLen - 1, true},
		{"small", 40 << 10, 40 << 10, true},
		{"just under one read", wholeReadMax - 1, wholeReadMax - 1, true},
		{"read in a loop or mapped", wholeReadMax + 5, wholeReadMax + 5, false},
		{"grew a little", 20, 10, false},
		{"grew past the sniff length", 3 * SniffLen, 10, false},
		{"grew past one read", wholeReadMax + 100, 100, false},
		{"shrank", 10, 500, false},
		{"shrank to nothing", 0, 500, false},
		{"shrank under one read", 100, wholeReadMax + 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := strings.Repeat("0123456789abcdef", tc.actual/16+1)[:tc.actual]
			name := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			eachOpen(t, dir, filepath.Base(name), func(t *testing.T, _ dirFD, f regularFile) {
				checkHashFile(t, f, content, tc.statSize, tc.wantWhole)
			})
		})
	}
}

// checkHashFile reads f as the engine does, given a stat size that may be
// stale, and checks the head, the digest and the size it ends with.
func checkHashFile(t *testing.T, f regularFile, content string, statSize int64, wantWhole bool) {
	t.Helper()
	actual := len(content)
	buf := make([]byte, readBufSize)
	n, whole, err := readHead(f, buf, statSize)
	if err != nil {
		t.Fatal(err)
	}
	if whole != wantWhole {
		t.Errorf("whole = %v, want %v", whole, wantWhole)
	}
	if n < min(actual, SniffLen) || n > actual || content[:n] != string(buf[:n]) {
		t.Errorf("head of %d bytes, want at least %d bytes of the content", n, min(actual, SniffLen))
	}
	c := &collection{opt: Options{Digests: Digests{SHA256: true}}}
	rec := snapshot.File{Size: statSize}
	if err := c.hashFile(f, buf[:n], whole, buf, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.SHA256 != sum(content) || rec.Size != int64(actual) {
		t.Errorf("size %d sha256 %s, want %d %s", rec.Size, rec.SHA256, actual, sum(content))
	}
}

// TestRegularFileReads checks both regularFile implementations against the
// io.Reader and io.ReaderAt contracts the collectors rely on.
func TestRegularFileReads(t *testing.T) {
	dir := t.TempDir()
	content := "0123456789"
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	eachOpen(t, dir, "f", func(t *testing.T, d dirFD, f regularFile) {
		if ok, err := f.isRegular(); !ok || err != nil {
			t.Errorf("isRegular = %v, %v", ok, err)
		}
		p := make([]byte, 4)
		if n, err := f.ReadAt(p, 8); n != 2 || err != io.EOF || string(p[:n]) != "89" {
			t.Errorf("ReadAt past the end = %d %v %q, want 2 io.EOF \"89\"", n, err, p[:n])
		}
		if n, err := f.ReadAt(p, 2); n != 4 || err != nil || string(p) != "2345" {
			t.Errorf("ReadAt = %d %v %q", n, err, p)
		}
		if _, err := f.ReadAt(p, -1); err == nil {
			t.Error("ReadAt at a negative offset succeeded")
		}
		all, err := io.ReadAll(f)
		if err != nil || string(all) != content {
			t.Errorf("ReadAll = %q, %v (ReadAt must not move the offset)", all, err)
		}
		if n, err := f.Read(p); n != 0 || err != io.EOF {
			t.Errorf("Read at the end = %d, %v; want 0, io.EOF", n, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err == nil {
			t.Error("a second Close succeeded")
		}
		if _, err := d.openFile("missing"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("opening a missing file: %v, want fs.ErrNotExist", err)
		}
	})
}

// eachOpen opens name in dir through each dirFD implementation (the
// system's own and the portable one) and runs fn on it in a subtest.
func eachOpen(t *testing.T, dir, name string, fn func(t *testing.T, d dirFD, f regularFile)) {
	for _, opener := range []struct {
		name string
		open func(string) (dirFD, error)
	}{{"native", openWalkRoot}, {"portable", openRootDir}} {
		t.Run(opener.name, func(t *testing.T) {
			d, err := opener.open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer d.close()
			f, err := d.openFile(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fn(t, d, f)
		})
	}
}
