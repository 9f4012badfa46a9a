package cli

import (
	"encoding/json"
	"github.com/cascade-ir/cascade/internal/intel/packs/rulesfixtures"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanYARA runs `cascade scan --intel DIR` with rule files (one
// including another) over a small tree: the rules' findings, their
// scores, and a second scan with the same rules that reads nothing.
func TestScanYARA(t *testing.T) {
	root, rules, inc := t.TempDir(), t.TempDir(), t.TempDir()
	files := map[string]string{
		"app/ffmpeg.dll":  "header 3jB(2bsG#@c7 trailer",
		"app/decoy.dll":   "header 3jB(2bsG#@c8 trailer", // one byte off
		"docs/readme.txt": "nothing to see",
		"docs/marker.txt": "FEEDFACE-ish text",
	}
	for rel, c := range files {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(c), 0o644)
	}
	os.WriteFile(filepath.Join(inc, "common.inc"), []byte(`rule Marker { strings: $m = "FEEDFACE" condition: $m and extension == ".txt" }`), 0o644)
	os.WriteFile(filepath.Join(rules, "a.yar"), []byte(`include "`+filepath.Join(inc, "common.inc")+`"
rule Key { meta: score = 90 description = "RC4 key" strings: $k = "3jB(2bsG#@c7" condition: $k and filename == "ffmpeg.dll" }`), 0o644)
	os.WriteFile(filepath.Join(rules, "b.yara"), []byte(`rule Readme { condition: filename == "readme.txt" }`), 0o644)
	cache := filepath.Join(t.TempDir(), "cache")
	scan := func() (int, map[string][]string, map[string]any) {
		t.Helper()
		code, out, errs := run(t, "scan", "--no-store", "--no-builtin", "--cache", cache, "--format", "jsonl", "--intel", rules, root)
		found := map[string][]string{}
		var summary map[string]any
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var f struct {
				Type     string `json:"type"`
				Score    int    `json:"score"`
				Evidence struct{ Path string }
				Reasons  []struct{ Kind, Matched string }
			}
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatalf("%v: %s (stderr %s)", err, line, errs)
			}
			if f.Type == "summary" {
				json.Unmarshal([]byte(line), &summary)
				continue
			}
			for _, r := range f.Reasons {
				found[filepath.Base(f.Evidence.Path)] = append(found[filepath.Base(f.Evidence.Path)], r.Kind+" "+r.Matched)
			}
		}
		return code, found, summary
	}
	code, found, summary := scan()
	if code != 1 || len(found) != 3 {
		t.Fatalf("exit %d, findings %v", code, found)
	}
	if got := strings.Join(found["ffmpeg.dll"], "|"); !strings.Contains(got, ":Key 0x7:$k: 3jB(2bsG#@c7") {
		t.Errorf("ffmpeg.dll: %s", got)
	}
	if got := strings.Join(found["marker.txt"], "|"); !strings.Contains(got, "a.yar:Marker 0x0:$m: FEEDFACE") {
		t.Errorf("marker.txt (rule from the included file): %s", got)
	}
	if _, ok := found["decoy.dll"]; ok {
		t.Errorf("the one-byte-off decoy matched")
	}
	if summary["bytes_hashed"].(float64) == 0 {
		t.Errorf("first scan read nothing: %v", summary)
	}
	code2, found2, summary2 := scan()
	if code2 != 1 || len(found2) != 3 || summary2["bytes_hashed"].(float64) != 0 || summary2["files_cached"].(float64) != 4 {
		t.Errorf("second scan: exit %d, findings %v, summary %v", code2, found2, summary2)
	}

	os.WriteFile(filepath.Join(rules, "bad.yar"), []byte("rule Bad {\n  condition: $nope\n}\n"), 0o644)
	code, _, errs := run(t, "scan", "--no-store", "--no-builtin", "--no-cache", "--intel", rules, root)
	if code != 2 || !strings.Contains(errs, "bad.yar:2:") {
		t.Errorf("bad rule file: exit %d, stderr %s", code, errs)
	}
}

// TestScanBuiltinRules: the packs' YARA rules run with --builtin-rules
// and not by default (a default scan stays bound by hashing).
func TestScanBuiltinRules(t *testing.T) {
	root := t.TempDir()
	var traits []string
	for _, f := range rulesfixtures.All() {
		if len(f.Match) == 0 {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		traits = append(traits, f.Match...)
	}
	if len(traits) == 0 {
		t.Fatal("no trait fixtures")
	}
	_, out, errs := run(t, "scan", "--no-cache", "--quiet", "--format", "jsonl", "--min-score", "0", root)
	if strings.Contains(out, "CASCADE_") {
		t.Errorf("a default scan ran the packs' rules:\n%s\n%s", out, errs)
	}
	code, out, errs := run(t, "scan", "--builtin-rules", "--no-cache", "--quiet", "--format", "jsonl", "--min-score", "0", root)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, r := range traits {
		if !strings.Contains(out, r) {
			t.Errorf("--builtin-rules: no finding names %s", r)
		}
	}
}
