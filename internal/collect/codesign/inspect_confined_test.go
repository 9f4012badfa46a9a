//go:build unix

package codesign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInspectConfined: inspect reads a file through the confined source
// view: a symbolic link is refused, not followed, and a FIFO is not
// opened for reading (which would block).
func TestInspectConfined(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.txt")
	os.WriteFile(plain, []byte("hello\n"), 0o644)
	os.Symlink(plain, filepath.Join(dir, "link.txt"))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := Inspect(context.Background(), plain, Options{})
	if err != nil || ins.File.SHA256 != "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" ||
		ins.File.MD5 != "b1946ac92492d2347c6235b4d2611184" || ins.File.SHA1 != "f572d396fae9206628714fb2ce00f72e94f2258f" {
		t.Fatalf("plain file: %+v %v", ins, err)
	}
	for name, want := range map[string]string{"link.txt": "symbolic link", "fifo": "not a regular file"} {
		if _, err := Inspect(context.Background(), filepath.Join(dir, name), Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, want)
		}
	}
}

// TestInspectBundleConfined: a bundle's seal is checked through the same
// confined view: an Info.plist that links out of the tree is refused, not
// read.
func TestInspectBundleConfined(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "Info.plist")
	os.WriteFile(outside, []byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleExecutable</key><string>x</string></dict></plist>`), 0o644)
	app := filepath.Join(dir, "Evil.app", "Contents")
	os.MkdirAll(filepath.Join(app, "_CodeSignature"), 0o755)
	os.WriteFile(filepath.Join(app, "_CodeSignature", "CodeResources"), []byte("not a seal"), 0o644)
	if err := os.Symlink(outside, filepath.Join(app, "Info.plist")); err != nil {
		t.Fatal(err)
	}
	_, err := Inspect(context.Background(), filepath.Join(dir, "Evil.app"), Options{})
	if err == nil || !strings.Contains(err.Error(), "Info.plist") || !strings.Contains(err.Error(), "escapes") && !strings.Contains(err.Error(), "link") {
		t.Fatalf("bundle with a linked Info.plist: %v, want a refusal naming the link", err)
	}
}
