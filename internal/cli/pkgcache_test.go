package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSkipsPackageCaches: a live scan leaves the running user's Go
// module cache (here moved by GOMODCACHE) out, says so in the summary, and
// --no-default-excludes scans it.
func TestScanSkipsPackageCaches(t *testing.T) {
	_, intelFile := tree(t)
	live := t.TempDir() // no OS markers: a live directory, not an image
	p := filepath.Join(live, "gomod", "example.com", "x@v1.0.0", "testdata", "setup.msi")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("fixture: trojanized installer stand-in"), 0o644)
	t.Setenv("GOMODCACHE", filepath.Join(live, "gomod"))
	tests := []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"scan", "--no-cache", "--no-builtin", "--intel", intelFile, live}, 0, "skipped: 1 package-cache"},
		{[]string{"scan", "--no-cache", "--no-builtin", "--intel", intelFile, "--no-default-excludes", live}, 1, "stand-in installer"},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.stdout) {
			t.Errorf("%q: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tt.args, code, tt.code, tt.stdout, out, errs)
		}
	}
}

func TestLiveCacheDirs(t *testing.T) {
	env := map[string]string{"GOMODCACHE": "/m", "GOPATH": "/a" + string(filepath.ListSeparator) + "rel",
		"GOCACHE": "off", "npm_config_cache": "/n", "CARGO_HOME": "/c", "PIP_CACHE_DIR": "/"}
	got := liveCacheDirs(func(k string) string { return env[k] })
	want := []string{"/m", "/a/pkg/mod", "/n/_cacache", "/c/registry", "/c/git"}
	if filepath.Separator != '/' {
		t.Skip("paths in this table are Unix paths")
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("cache dirs %q, want %q", got, want)
	}
}
