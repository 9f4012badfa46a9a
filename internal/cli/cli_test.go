package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run drives the real command tree in-process.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"cascade"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// tree makes a small scan root and an intel file whose hash is one of its
// files' own.
func tree(t *testing.T) (root, intelFile string) {
	t.Helper()
	root = t.TempDir()
	files := map[string]string{
		"etc/os-release":             "ID=debian\n",
		"home/u/Downloads/setup.msi": "fixture: trojanized installer stand-in",
		"home/u/notes.txt":           "clean decoy",
		"opt/app/=cmd|' /C calc'!A0": "formula-looking name",
	}
	for rel, content := range files {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	doc := fmt.Sprintf(`{"schema":"cascade.intel/v1","source":{"id":"t","name":"test","kind":"cascade"},
"incidents":[{"id":"inc","name":"Test incident"}],
"indicators":[{"id":"h","type":"sha256","value":%q,"score":100,"incident":"inc","description":"stand-in installer"},
{"id":"n","type":"filename","value":"=cmd","score":50,"description":"odd name"}]}`, sha("fixture: trojanized installer stand-in"))
	intelFile = filepath.Join(t.TempDir(), "test.json")
	os.WriteFile(intelFile, []byte(doc), 0o644)
	return root, intelFile
}

func TestCLI(t *testing.T) {
	root, intelFile := tree(t)
	clean := t.TempDir()
	os.WriteFile(filepath.Join(clean, "a"), []byte("a"), 0o644)
	badIntel := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(badIntel, []byte("{\"schema\":\"cascade.intel/v1\",\n\"source\":{\"id\":\"x\"},\n\"indicators\":[{\"id\":\"a\",\"type\":\"sha256\",\"value\":\"zz\"}]}"), 0o644)
	typo := filepath.Join(t.TempDir(), "typo.json")
	os.WriteFile(typo, []byte("{\"schema\":\"cascade.intel/v1\",\n  \"source\":{\"id\":\"x\"},\n  \"indicatorz\":[]}"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no args", nil, 2, "", "Usage"},
		{"help", []string{"--help"}, 0, "Commands:", ""},
		{"unknown", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "cascade ", ""},
		{"findings exit 1", []string{"scan", "--no-cache", "--intel", intelFile, root}, 1, "stand-in installer",
			"exit status 1: 2 finding(s) scored at or above --min-score 40 (listed above)"},
		{"exit 1 explained for a report file", []string{"scan", "--no-cache", "--min-score", "60", "--intel", intelFile, "--output", filepath.Join(t.TempDir(), "r.txt"), root}, 1, "",
			"1 finding(s) scored at or above --min-score 60 (in "},
		{"clean exit 0", []string{"scan", "--no-cache", "--no-builtin", "--intel", intelFile, clean}, 0, "No findings", ""},
		{"min score hides", []string{"scan", "--no-cache", "--intel", intelFile, "--min-score", "101", root}, 2, "", "--min-score"},
		{"bad format", []string{"scan", "--format", "xml", root}, 2, "", "--format"},
		{"bad flag", []string{"scan", "--bogus"}, 2, "", "flag provided but not defined"},
		{"bad size", []string{"scan", "--max-size", "lots", root}, 2, "", "--max-size"},
		{"bad os", []string{"scan", "--no-cache", "--os", "beos", root}, 2, "", `unknown --os "beos"`},
		{"bad exclude", []string{"inventory", "--no-cache", "--exclude", "[", root}, 2, "", `--exclude "[": syntax error in pattern`},
		{"missing root", []string{"scan", "--no-cache", filepath.Join(root, "nope")}, 2, "", "no such file"},
		{"bad intel value", []string{"scan", "--intel", badIntel, root}, 2, "", "bad.json"},
		{"intel typo is an error with line", []string{"scan", "--intel", typo, root}, 2, "", "typo.json:3"},
		{"bad os", []string{"scan", "--os", "beos", root}, 2, "", "beos"},
		{"inventory", []string{"inventory", "--no-cache", "--digests", "sha256,md5", root}, 0, `"schema": "cascade.snapshot/v1"`, ""},
		{"flags after the root", []string{"scan", root, "--no-cache", "--quiet", "--intel", intelFile}, 1, "stand-in installer", ""},
		{"-- ends the flags", []string{"scan", "--no-cache", "--", root, "--quiet"}, 2, "", "--quiet"},
		{"inventory bad digest", []string{"inventory", "--digests", "crc32", root}, 2, "", "crc32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errs)
			}
		})
	}
}

func TestScanJSONL(t *testing.T) {
	root, intelFile := tree(t)
	code, out, errs := run(t, "scan", "--no-cache", "--no-builtin", "--format", "jsonl", "--intel", intelFile, root)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(errs, "exit status") {
		t.Errorf("a machine-readable report got the exit explanation for people: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var kinds []string
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		if m["schema"] != "cascade.report/v1" {
			t.Errorf("schema = %v", m["schema"])
		}
		kinds = append(kinds, m["type"].(string))
	}
	if len(kinds) != 3 || kinds[2] != "summary" {
		t.Fatalf("line types = %v", kinds)
	}
	var sum map[string]any
	json.Unmarshal([]byte(lines[2]), &sum)
	if sum["files"].(float64) != 4 || sum["scan_id"] == "" || sum["duration_ms"] == nil {
		t.Errorf("summary = %v", sum)
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	ev := first["evidence"].(map[string]any)
	if first["level"] != "alert" || ev["sha256"] != sha("fixture: trojanized installer stand-in") || !strings.HasSuffix(ev["path"].(string), "setup.msi") {
		t.Errorf("first finding = %v", first)
	}
}

func TestScanCSVQuotingAndFormulaDefuse(t *testing.T) {
	root, intelFile := tree(t)
	_, out, _ := run(t, "scan", "--no-cache", "--no-builtin", "--format", "csv", "--intel", intelFile, root)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if len(rows) != 3 || rows[0][0] != "scan_id" {
		t.Fatalf("rows = %v", rows)
	}
	for _, r := range rows[1:] {
		for _, cell := range r {
			if strings.HasPrefix(cell, "=") {
				t.Errorf("cell %q starts with '=' (formula injection)", cell)
			}
		}
	}
}

func TestScanOutputFailureKeepsExitCode(t *testing.T) {
	root, intelFile := tree(t)
	ro := filepath.Join(t.TempDir(), "missing-dir", "report.txt")
	code, _, errs := run(t, "scan", "--no-cache", "--intel", intelFile, "--output", ro, root)
	if code != 1 || !strings.Contains(errs, "report.txt") {
		t.Errorf("exit %d (want 1, findings still reported), stderr %q", code, errs)
	}
	clean := t.TempDir()
	code, _, _ = run(t, "scan", "--no-cache", "--no-builtin", "--output", ro, clean)
	if code != 2 {
		t.Errorf("clean scan with unwritable output: exit %d, want 2", code)
	}
}

func TestScanSnapshotFileAndCache(t *testing.T) {
	root, intelFile := tree(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache.bin")
	snapFile := filepath.Join(dir, "snap.json")
	for i := range 2 {
		code, out, errs := run(t, "scan", "--cache", cache, "--format", "jsonl", "--snapshot", snapFile, "--intel", intelFile, root)
		if code != 1 {
			t.Fatalf("run %d: exit %d %s", i, code, errs)
		}
		if i == 1 && !strings.Contains(out, `"files_cached":4`) {
			t.Errorf("second run did not use the cache: %s", out)
		}
	}
	b, err := os.ReadFile(snapFile)
	if err != nil || !bytes.Contains(b, []byte(`"cascade.snapshot/v1"`)) {
		t.Errorf("snapshot file: %v %s", err, b)
	}
}
