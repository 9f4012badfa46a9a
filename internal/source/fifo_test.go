//go:build unix

package source

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func syscallMkfifo(p string) error { return syscall.Mkfifo(p, 0o644) }

func TestFIFOIsRefusedNotBlocking(t *testing.T) {
	root := t.TempDir()
	mk(t, root, "etc/os-release")
	if err := syscallMkfifo(filepath.Join(root, "etc/fifo")); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink("fifo", filepath.Join(root, "etc/hosts")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { _, err := fs.ReadFile(s.FS(), "etc/hosts"); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("reading a FIFO through a link succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO blocked")
	}
}
