package source

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"
)

func mk(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetectAndDisplay(t *testing.T) {
	tests := []struct {
		name, os string
		files    []string
		rel      string
		display  string
	}{
		{"windows", Windows, []string{"Windows/System32/config/SOFTWARE"}, "Users/alice/AppData/x.dll", `C:\Users\alice\AppData\x.dll`},
		{"macos", MacOS, []string{"System/Library/CoreServices/SystemVersion.plist"}, "Applications/A.app", "/Applications/A.app"},
		{"macos apps only", MacOS, []string{"Applications/A.app/Contents/Info.plist", "Users/x/.keep"}, "Users/x", "/Users/x"},
		{"linux dpkg", Linux, []string{"var/lib/dpkg/status"}, "usr/lib/liblzma.so.5", "/usr/lib/liblzma.so.5"},
		{"linux apk", Linux, []string{"lib/apk/db/installed"}, "etc/hosts", "/etc/hosts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			mk(t, root, tt.files...)
			s, err := Open(root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.OS != tt.os || s.Kind != Image {
				t.Fatalf("os %s kind %s, want %s image", s.OS, s.Kind, tt.os)
			}
			if got := s.Display(tt.rel); got != tt.display {
				t.Errorf("Display(%q) = %q, want %q", tt.rel, got, tt.display)
			}
		})
	}
}

func TestPlainDirectoryIsLive(t *testing.T) {
	root := t.TempDir()
	mk(t, root, "a/b.txt")
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Kind != Live || s.Display("a/b.txt") != filepath.Join(root, "a/b.txt") {
		t.Errorf("kind %s display %s", s.Kind, s.Display("a/b.txt"))
	}
	if _, err := Open(root, Options{OS: "plan9"}); err == nil {
		t.Error("bad --os accepted")
	}
	if _, err := Open(filepath.Join(root, "a/b.txt"), Options{}); err == nil {
		t.Error("a file accepted as root")
	}
}

func TestImageSymlinksStayInside(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	mk(t, root, "etc/os-release", "usr/lib/real.conf")
	mk(t, outside, "usr/lib/real.conf")
	os.WriteFile(filepath.Join(outside, "usr/lib/real.conf"), []byte("OUTSIDE"), 0o644)
	// An absolute link inside an image means the image's own /usr/lib.
	if err := os.Symlink("/usr/lib/real.conf", filepath.Join(root, "etc/abs.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../../"+outside+"/usr/lib/real.conf", filepath.Join(root, "etc/dotdot.conf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop2", filepath.Join(root, "etc/loop1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop1", filepath.Join(root, "etc/loop2")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := fs.ReadFile(s.FS(), "etc/abs.conf")
	if err != nil || string(b) != "usr/lib/real.conf" {
		t.Errorf("absolute link: %q, %v", b, err)
	}
	b, err = fs.ReadFile(s.FS(), "etc/dotdot.conf")
	if err == nil && string(b) == "OUTSIDE" {
		t.Error("a ../ link escaped the image root")
	}
	if _, err := fs.ReadFile(s.FS(), "etc/loop1"); err == nil {
		t.Error("symlink loop resolved")
	}
	if _, err := fs.ReadFile(s.FS(), "../etc/os-release"); err == nil {
		t.Error("invalid path accepted")
	}
}

func TestIsCleanRel(t *testing.T) {
	for rel, want := range map[string]bool{"": true, "a": true, "a/b.c": true, "a/.b": true, "..a/b": true,
		"/a": false, "a/": false, "a//b": false, "./a": false, "a/.": false, "a/../b": false, "..": false} {
		if got := isCleanRel(rel); got != want {
			t.Errorf("isCleanRel(%q) = %v, want %v", rel, got, want)
		}
		if want && rel != "" && path.Clean(rel) != rel {
			t.Errorf("%q called clean but path.Clean changes it", rel)
		}
	}
}
