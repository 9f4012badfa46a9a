package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestServeFeedKey: serve makes DATA/feed-key (0600) at first start and
// keeps it; --feed-key names another file; a file that is no key stops
// the server with an error naming it.
func TestServeFeedKey(t *testing.T) {
	data := t.TempDir()
	code, _, errs := run(t, "serve", "--data", data, "--insecure-http", "--listen", "256.0.0.1:1")
	if code != 2 || !strings.Contains(errs, "listen") || !strings.Contains(errs, "feed credentials") {
		t.Fatalf("first start: exit %d: %s", code, errs)
	}
	path := filepath.Join(data, "feed-key")
	first, err := os.ReadFile(path)
	if err != nil || len(strings.TrimSpace(string(first))) != 64 {
		t.Fatalf("feed-key: %q %v", first, err)
	}
	if fi, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("feed-key mode: %v %v", fi.Mode(), err)
	}
	run(t, "serve", "--data", data, "--insecure-http", "--listen", "256.0.0.1:1")
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("the feed key changed at the second start")
	}
	bad := filepath.Join(t.TempDir(), "not-a-key")
	os.WriteFile(bad, []byte("hello\n"), 0o600)
	code, _, errs = run(t, "serve", "--data", data, "--feed-key", bad, "--insecure-http", "--listen", "256.0.0.1:1")
	if code == 0 || !strings.Contains(errs, bad) {
		t.Fatalf("a bad --feed-key: exit %d: %s", code, errs)
	}
}
