// Package testutil holds helpers shared by tests: running the repository's
// fixture scripts, locating the repository root, and golden files.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RepoRoot returns the repository's top directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate testutil source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// NeedTools skips the test when a tool is missing, unless the environment
// sets CASCADE_REQUIRE_TOOLS=1 (as CI does), in which case it fails: a
// missing install step must not turn into a silently skipped test.
func NeedTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CASCADE_REQUIRE_TOOLS") == "1" {
				t.Fatalf("required tool %s not found (CASCADE_REQUIRE_TOOLS=1)", tool)
			}
			t.Skipf("tool %s not found; set CASCADE_REQUIRE_TOOLS=1 to make this a failure", tool)
		}
	}
}

// Fixture runs testdata/fixtures/<script> with a fresh output directory as
// its first argument and returns that directory.
func Fixture(t testing.TB, script string, args ...string) string {
	t.Helper()
	out := t.TempDir()
	path := filepath.Join(RepoRoot(t), "testdata", "fixtures", script)
	cmd := exec.Command("bash", append([]string{path, out}, args...)...)
	cmd.Dir = RepoRoot(t)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fixture %s: %v\n%s", script, err, b)
	}
	return out
}

// Golden compares got with the golden file at path, or, when update is
// set (each package's -update flag), rewrites the file with got.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
