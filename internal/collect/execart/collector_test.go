package execart_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// XTraderSHA1 is the digest winexec.sh's Amcache gives the deleted
// X_TRADER installer: that of its placeholder text.
func xtraderSHA1() string {
	sum := sha1.Sum([]byte("cascade fixture: stands in for X_TRADER_r7.17.90p608.exe (not a program)\n"))
	return hex.EncodeToString(sum[:])
}

func collectFixture(t *testing.T, args ...string) (string, *collecttest.Sink) {
	t.Helper()
	testutil.NeedTools(t, "hivexregedit", "python3")
	dir := testutil.Fixture(t, "winexec.sh", args...)
	env := collecttest.ImageEnv(os.DirFS(dir), "windows")
	sink := &collecttest.Sink{}
	collecttest.Walk(t, env, execart.New(), sink)
	collecttest.Walk(t, env, execart.NewRegistry(), sink)
	sort.SliceStable(sink.Artifacts, func(i, j int) bool {
		a, b := sink.Artifacts[i], sink.Artifacts[j]
		return a.Kind+a.Source+a.Path < b.Kind+b.Source+b.Path
	})
	return dir, sink
}

// TestFixtureGolden: every record and error the collectors make of the
// fixture image, in both Amcache layouts.
func TestFixtureGolden(t *testing.T) {
	for _, mode := range []string{"", "legacy"} {
		t.Run("amcache="+mode, func(t *testing.T) {
			_, sink := collectFixture(t, mode)
			got, err := json.MarshalIndent(struct {
				Artifacts []snapshot.Artifact  `json:"artifacts"`
				Errors    []snapshot.PathError `json:"errors"`
			}{sink.Artifacts, sink.Errors}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			name := "winexec.golden.json"
			if mode != "" {
				name = "winexec-" + mode + ".golden.json"
			}
			testutil.Golden(t, filepath.Join("testdata", name), string(got)+"\n", *update)
			var sha bool
			for _, a := range sink.Artifacts {
				sha = sha || a.Kind == snapshot.ArtifactAmcacheFile && a.SHA1 == xtraderSHA1()
			}
			if !sha {
				t.Errorf("no amcache-file record with X_TRADER's SHA-1 %s", xtraderSHA1())
			}
		})
	}
}

// TestAmcacheAgainstHivex checks the Amcache paths and digests read here
// against hivexregedit's export of the same hive (an independent reader).
func TestAmcacheAgainstHivex(t *testing.T) {
	dir, sink := collectFixture(t)
	out, err := exec.Command("hivexregedit", "--export", "--unsafe-printable-strings",
		filepath.Join(dir, "Windows/AppCompat/Programs/Amcache.hve"), `\Root\InventoryApplicationFile`).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range sink.Artifacts {
		if a.Kind == snapshot.ArtifactAmcacheFile {
			got[a.Path] = a.SHA1
		}
	}
	id := regexp.MustCompile(`(?m)^"FileId"=str\(1\):"0000([0-9a-f]{40})"$`)
	lpath := regexp.MustCompile(`(?m)^"LowerCaseLongPath"=str\(1\):"(.*)"$`)
	n := 0
	for _, block := range strings.Split(string(out), "\n\n") { // one key per block
		i, p := id.FindStringSubmatch(block), lpath.FindStringSubmatch(block)
		if i == nil || p == nil {
			continue
		}
		n++
		if got[p[1]] != i[1] {
			t.Errorf("%s: collector SHA-1 %q, hivex %q", p[1], got[p[1]], i[1])
		}
	}
	if n != 2 || len(got) != 2 {
		t.Fatalf("hivex shows %d entries, the collector %d", n, len(got))
	}
}

// TestDamagedHivesAndPrefetch: a truncated Amcache and SYSTEM hive and a
// Prefetch file whose compressed stream lies about its size are each one
// error naming the file and the stage; the other files are still read.
func TestDamagedHivesAndPrefetch(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3")
	dir := testutil.Fixture(t, "winexec.sh")
	for _, rel := range []string{"Windows/AppCompat/Programs/Amcache.hve", "Windows/System32/config/SYSTEM"} {
		if err := os.Truncate(filepath.Join(dir, rel), 5000); err != nil {
			t.Fatal(err)
		}
	}
	pf := filepath.Join(dir, "Windows/Prefetch/X_TRADER_R7.17.90P608.EXE-1A2B3C4D.pf")
	b, _ := os.ReadFile(pf)
	b[4], b[5], b[6], b[7] = 0xff, 0xff, 0xff, 0x00 // 16 MiB - 1 declared: more than the stream holds
	os.WriteFile(pf, b, 0o644)
	env := collecttest.ImageEnv(os.DirFS(dir), "windows")
	sink := &collecttest.Sink{}
	collecttest.Walk(t, env, execart.New(), sink)
	collecttest.Walk(t, env, execart.NewRegistry(), sink)
	stages := map[string]string{}
	for _, e := range sink.Errors {
		stages[e.Path] = e.Stage + ": " + e.Err
	}
	for rel, want := range map[string]string{
		"Windows/AppCompat/Programs/Amcache.hve":                 "parse:execution-registry: hive Windows/AppCompat/Programs/Amcache.hve: truncated",
		"Windows/System32/config/SYSTEM":                         "parse:execution-registry: hive Windows/System32/config/SYSTEM: truncated",
		"Windows/Prefetch/X_TRADER_R7.17.90P608.EXE-1A2B3C4D.pf": "parse:prefetch: prefetch Windows/Prefetch/X_TRADER_R7.17.90P608.EXE-1A2B3C4D.pf: decompress",
		"Windows/Prefetch/BROKEN.EXE-00000000.pf":                "parse:prefetch",
	} {
		if !strings.HasPrefix(stages[rel], want) {
			t.Errorf("%s: error %q, want %q…", rel, stages[rel], want)
		}
	}
	kinds := map[string]int{}
	for _, a := range sink.Artifacts {
		kinds[a.Kind]++
	}
	if kinds["prefetch"] != 3 || kinds["userassist"] != 1 {
		t.Errorf("records still read: %v, want the 3 sound Prefetch files and the UserAssist entry", kinds)
	}
}
