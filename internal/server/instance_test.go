package server

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestInstanceIDPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := InstanceID(dir)
	if err != nil || a == "" {
		t.Fatalf("first: %q %v", a, err)
	}
	b, err := InstanceID(dir)
	if err != nil || b != a {
		t.Fatalf("second start: %q, want %q (%v)", b, a, err)
	}
	if other, _ := InstanceID(t.TempDir()); other == a {
		t.Fatal("two data directories got one instance id")
	}
	fi, err := os.Stat(filepath.Join(dir, instanceFile))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	os.WriteFile(filepath.Join(dir, instanceFile), []byte("\n"), 0o600)
	if _, err := InstanceID(dir); err == nil {
		t.Error("an empty instance file was accepted")
	}
}
