package packs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
	"github.com/cascade-ir/cascade/internal/intel/packs/rulesfixtures"
	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	ym "github.com/cascade-ir/cascade/internal/match/yara"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// engineMatches compiles one pack's rules and returns, per fixture, the
// rules that matched.
func engineMatches(t *testing.T, pack string, fx []rulesfixtures.Fixture) map[string][]string {
	t.Helper()
	text, ok := packs.Rules(pack)
	if !ok {
		t.Fatalf("pack %s has no rules", pack)
	}
	c := yr.NewCompiler()
	if err := c.AddSource(pack+".yar", text, ""); err != nil {
		t.Fatalf("%s: %v", pack, err)
	}
	rules, err := c.Rules()
	if err != nil {
		t.Fatal(err)
	}
	s, err := ym.New(rules)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range fx {
		res, err := s.ScanBytes(context.Background(), f.Data)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for _, i := range res.MatchingRules(rules) {
			out[f.Name] = append(out[f.Name], rules.Rules[i].Name)
		}
	}
	return out
}

// realDecoys are real Microsoft-signed PE files kept as test data by the
// code-signing packages (sources and licences in their testdata/README):
// certificate tables with genuine PKCS#7 blobs, one with data after the
// table. No rule may match them.
func realDecoys(t *testing.T) []rulesfixtures.Fixture {
	t.Helper()
	root := testutil.RepoRoot(t)
	var out []rulesfixtures.Fixture
	for _, p := range []string{"internal/collect/codesign/peinfo/testdata/YourPhone.exe",
		"internal/collect/codesign/testdata/realworld/kdbazis.dll"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rulesfixtures.Fixture{Name: "real/" + filepath.Base(p), Data: b})
	}
	return out
}

// TestPackRules checks every pack's rules against the trait imitations
// (each must match exactly its rules) and the decoys (nothing may match).
func TestPackRules(t *testing.T) {
	fx := append(rulesfixtures.All(), realDecoys(t)...)
	got := map[string][]string{}
	for _, pack := range packs.RuleFiles() {
		for name, rs := range engineMatches(t, pack, fx) {
			got[name] = append(got[name], rs...)
		}
	}
	seen := map[string]bool{}
	for _, f := range fx {
		g := got[f.Name]
		slices.Sort(g)
		want := slices.Clone(f.Match)
		slices.Sort(want)
		if !slices.Equal(g, want) {
			t.Errorf("%s: matched %v, want %v", f.Name, g, want)
		}
		for _, r := range f.Match {
			seen[r] = true
		}
	}
	for _, r := range []string{rulesfixtures.D3D, rulesfixtures.RC4Key, rulesfixtures.TTCert, rulesfixtures.PoolRAT,
		rulesfixtures.XZTest, rulesfixtures.XZM4, rulesfixtures.XZHook} {
		if !seen[r] {
			t.Errorf("no fixture imitates the trait of %s", r)
		}
	}
}

// TestPackRulesMetadata checks every rule carries the metadata the packs
// promise: reference, author "cascade", date and a score in 1..100.
func TestPackRulesMetadata(t *testing.T) {
	for _, pack := range packs.RuleFiles() {
		text, _ := packs.Rules(pack)
		c := yr.NewCompiler()
		if err := c.AddSource(pack+".yar", text, ""); err != nil {
			t.Fatal(err)
		}
		rules, _ := c.Rules()
		for _, r := range rules.Rules {
			m := map[string]any{}
			for _, x := range r.Meta {
				m[x.Key] = x.Value
			}
			score, _ := m["score"].(int64)
			if m["author"] != "cascade" || m["date"] == nil || m["reference"] == nil || m["description"] == nil || score < 1 || score > 100 {
				t.Errorf("%s: rule %s metadata %v", pack, r.Name, m)
			}
		}
		in, err := packs.Get(pack)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(in.Indicators, func(ind intel.Indicator) bool { return ind.ID == packs.RulesID(pack) })
		if i < 0 || in.Indicators[i].Incident != pack || len(in.Indicators[i].References) == 0 {
			t.Errorf("%s: rules indicator missing or without incident/references", pack)
		}
	}
}

// TestPackRulesAgreeWithYara runs Debian's yara (4.2.3) on the same rule
// files and fixtures: the rules must compile there and match the same
// files.
func TestPackRulesAgreeWithYara(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	fx := append(rulesfixtures.All(), realDecoys(t)...)
	for _, f := range fx {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, pack := range packs.RuleFiles() {
		text, _ := packs.Rules(pack)
		rf := filepath.Join(t.TempDir(), pack+".yar")
		os.WriteFile(rf, []byte(text), 0o644)
		out, err := exec.Command("yara", "-r", "-w", rf, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("yara %s: %v\n%s", pack, err, out)
		}
		theirs := map[string][]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if rule, path, ok := strings.Cut(line, " "); ok {
				rel, _ := filepath.Rel(dir, path)
				theirs[filepath.ToSlash(rel)] = append(theirs[filepath.ToSlash(rel)], rule)
			}
		}
		ours := engineMatches(t, pack, fx)
		for _, f := range fx {
			a, b := ours[f.Name], theirs[f.Name]
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("%s on %s: cascade %v, yara %v", pack, f.Name, a, b)
			}
		}
	}
}
