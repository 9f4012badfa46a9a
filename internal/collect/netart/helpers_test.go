package netart

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// memSink records what collectors report.
type memSink struct {
	mu        sync.Mutex
	artifacts []snapshot.Artifact
	errs      []string
}

func (s *memSink) AddSoftware(snapshot.Software) {}

func (s *memSink) AddArtifact(a snapshot.Artifact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.artifacts = append(s.artifacts, a)
}

func (s *memSink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf("%s [%s]: %v", rel, stage, err))
}

// testEnv is an Env over root as an image of osName.
func testEnv(t testing.TB, root, osName string) *collect.Env {
	t.Helper()
	return &collect.Env{
		FS:      os.DirFS(root),
		OS:      osName,
		Display: displayFunc(osName),
		TempDir: t.TempDir(),
		Now:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func displayFunc(osName string) func(string) string {
	if osName == "windows" {
		return func(rel string) string { return `C:\` + strings.ReplaceAll(rel, "/", `\`) }
	}
	return func(rel string) string { return path.Join("/", rel) }
}

// The browser fixture is built once for the package's tests; tests that
// modify it work on a copy (copyTree).
var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// browserFixture returns the output of testdata/fixtures/browser.sh.
func browserFixture(t *testing.T) string {
	t.Helper()
	testutil.NeedTools(t, "sqlite3")
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "netart-fixture-")
		if fixtureErr != nil {
			return
		}
		script := filepath.Join(testutil.RepoRoot(t), "testdata", "fixtures", "browser.sh")
		out, err := exec.Command("bash", script, fixtureDir).CombinedOutput()
		if err != nil {
			fixtureErr = fmt.Errorf("browser.sh: %v\n%s", err, out)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureDir
}

// collectOne runs c on rel, checking WantsPath first, and returns what the
// sink got and the returned error.
func collectOne(t *testing.T, c collect.PathCollector, env *collect.Env, rel string) (*memSink, error) {
	t.Helper()
	if !c.WantsPath(env, rel) {
		t.Fatalf("%s does not want %s", c.Name(), rel)
	}
	sink := &memSink{}
	err := c.CollectPath(context.Background(), env, rel, sink)
	return sink, err
}

// row is the comparable part of an artifact.
type row struct {
	Kind, URL, Domain, Target string
	First, Last               string
	Count                     int
	Size                      int64
}

func rowsOf(arts []snapshot.Artifact) []row {
	out := make([]row, 0, len(arts))
	for _, a := range arts {
		out = append(out, row{a.Kind, a.URL, a.Domain, a.TargetPath, ts(a.FirstSeen), ts(a.LastSeen), a.Count, a.Size})
	}
	return sortRows(out)
}

// sortRows orders rows so that lists compare regardless of query order.
func sortRows(rows []row) []row {
	sort.Slice(rows, func(i, j int) bool {
		return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j])
	})
	return rows
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

// sha256File hashes a file, to prove a scan left it untouched.
func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// listDir names the entries of dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// copyTree copies a fixture tree so a test may modify it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
