package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain keeps every test of the package away from the user's real
// intel store.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cascade-cli-store-")
	if err != nil {
		panic(err)
	}
	os.Setenv(envIntelStore, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	stixBundle = "../intel/stix/testdata/3cx-bundle.json"
	mispEvent  = "../intel/misp/testdata/3cx-event.json"
	mispFeed   = "../intel/misp/testdata/feed"
	vendorWL   = "../intel/misp/testdata/vendor-domains-warninglist.json"
)

func TestIntelCommands(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("[\n{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[file:name = 'x'\"},\n"+
		"{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":\"[a:b = 'c']\",\"valid_from\":\"soon\"}]"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"usage", []string{"intel"}, 2, "", "Sub-commands:"},
		{"help", []string{"intel", "--help"}, 0, "Sub-commands:", ""},
		{"unknown", []string{"intel", "frob"}, 2, "", `unknown intel sub-command "frob"`},
		{"validate ok", []string{"intel", "validate", stixBundle, mispEvent, mispFeed, vendorWL}, 0, "3cx-bundle.json: valid: 8 indicators", "not evaluated"},
		{"validate bad", []string{"intel", "validate", bad, mispEvent}, 2, "3cx-event.json: valid",
			"bad.json:2:1: indicator--1: pattern"},
		{"validate every error", []string{"intel", "validate", bad}, 2, "", "bad.json:3:1: indicator--2: valid_from"},
		{"validate no file", []string{"intel", "validate"}, 2, "", "needs at least one file"},
		{"import", []string{"intel", "import", "--intel-store", st, stixBundle, mispFeed}, 0, "imported as", ""},
		{"import again", []string{"intel", "import", "--intel-store", st, stixBundle}, 0, "already in the store", ""},
		{"import bad", []string{"intel", "import", "--intel-store", st, bad}, 2, "", "bad.json:2:1"},
		{"list", []string{"intel", "list", "--intel-store", st}, 0, "Not evaluated  indicator--b2f7b1a8-0000-4000-8000-000000000160", ""},
		{"list sources", []string{"intel", "list", "--intel-store", st}, 0, "stix:identity--b2f7b1a8-0000-4000-8000-000000000001  stix", ""},
		{"show actor by alias", []string{"intel", "show", "--intel-store", st, "Labyrinth Chollima"}, 0, "used by CrowdStrike", ""},
		{"show actor alias from misp", []string{"intel", "show", "--intel-store", st, "hidden cobra"}, 0, "Hidden Cobra                   used by Example CERT", ""},
		{"show indicator by value", []string{"intel", "show", "--no-store", "--intel", stixBundle, "akamaicontainer.com"}, 0, "3cx-2023", ""},
		{"show incident", []string{"intel", "show", "--no-builtin", "--intel", mispEvent, "misp:5f0c1a57-3c59-4cf5-9b1f-2a3c4d5e6f70"}, 0, "malware: TAXHAUL", ""},
		{"show missing", []string{"intel", "show", "--no-store", "no-such-thing"}, 2, "", `"no-such-thing"`},
		{"export bad format", []string{"intel", "export", "--format", "xml"}, 2, "", "--format"},
		{"export csv", []string{"intel", "export", "--no-store", "--format", "csv", "--no-builtin", "--intel", mispEvent}, 0, "misp:5f0c1a57-0000-4000-8000-000000000103,domain,akamaicontainer.com", ""},
		{"export cascade", []string{"intel", "export", "--no-store", "--format", "cascade", "--no-builtin", "--intel", stixBundle}, 0, `"schema": "cascade.intel/v1"`, ""},
		{"remove", []string{"intel", "import", "--intel-store", st, "--remove", "feed"}, 0, "removed", ""},
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

// TestExportedBundleScansAlike exports the built-in packs to STIX and
// scans a tree with them instead of the packs: same findings.
func TestExportedBundleScansAlike(t *testing.T) {
	root, _ := tree(t)
	os.WriteFile(filepath.Join(root, "home/u/Downloads/3cxdesktopapp-18.12.407.msi"), []byte("stand-in"), 0o644)
	bundle := filepath.Join(t.TempDir(), "packs.json")
	if code, _, errs := run(t, "intel", "export", "--no-store", "--output", bundle); code != 0 {
		t.Fatalf("export: %s", errs)
	}
	_, a, _ := run(t, "scan", "--no-cache", "--no-store", "--format", "jsonl", root)
	_, b, errs := run(t, "scan", "--no-cache", "--no-store", "--no-builtin", "--intel", bundle, "--format", "jsonl", root)
	fa, fb := findingLines(t, a), findingLines(t, b)
	if len(fa) == 0 || strings.Join(fa, "\n") != strings.Join(fb, "\n") {
		t.Errorf("findings differ:\npacks: %v\nstix:  %v\n%s", fa, fb, errs)
	}
}

// findingLines keeps the finding records of a JSONL report, without the
// per-run fields.
func findingLines(t *testing.T, out string) []string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || m["type"] != "finding" {
			continue
		}
		delete(m, "scan_id")
		delete(m, "first_seen") // the scan's time, like last_seen
		delete(m, "last_seen")
		b, _ := json.Marshal(m)
		keep = append(keep, string(b))
	}
	return keep
}

func TestScanSuppressedByWarninglist(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("203.0.113.9 download.tradingtechnologies.com\n"), 0o644)
	args := []string{"scan", "--no-cache", "--no-store", "--no-builtin", "--intel", "../intel/misp/testdata/feed", "--intel", vendorWL, "--format", "jsonl", root}
	code, out, errs := run(t, args...)
	if code != 0 || strings.Contains(out, `"type":"finding"`) {
		t.Errorf("suppressed finding reported: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = run(t, append([]string{"scan", "--show-suppressed"}, args[1:]...)...)
	if code != 1 || !strings.Contains(out, `"suppressed":"warninglist Legitimate software vendor domains (test list)"`) {
		t.Errorf("--show-suppressed: exit %d\n%s", code, out)
	}
}

// TestBadIntelDirectory: validate reports every bad file of a directory
// and the good ones as valid; a scan given the same directory names every
// bad file and scans nothing (exit 2).
func TestBadIntelDirectory(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(stixBundle)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a-good-c2-bundle.json"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "b-cut.json"), data[:len(data)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "c-junk.json"), []byte(`{"hello": 1}`), 0o644)
	code, out, errs := run(t, "intel", "validate", dir)
	if code != 2 || !strings.Contains(out, "a-good-c2-bundle.json: valid: 8 indicators") ||
		!strings.Contains(errs, "error: "+filepath.Join(dir, "b-cut.json")+":") || !strings.Contains(errs, "c-junk.json: unknown intel format") ||
		!strings.Contains(errs, "2 of 3 intel files are invalid") {
		t.Errorf("validate: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	code, out, errs = run(t, "scan", "--no-cache", "--no-store", "--no-builtin", "--intel", dir, "--format", "jsonl", t.TempDir())
	if code != 2 || out != "" || !strings.Contains(errs, "2 intel file(s) could not be loaded; nothing was done") ||
		!strings.Contains(errs, "\n  "+filepath.Join(dir, "b-cut.json")) || !strings.Contains(errs, "\n  "+filepath.Join(dir, "c-junk.json")) {
		t.Errorf("scan: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

// TestScanReportsPatternProblems: a STIX pattern that cannot be evaluated
// over the scanned files is counted and named in the report, not dropped.
func TestScanReportsPatternProblems(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"a.dll", "b.dll"} {
		os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.json")
	os.WriteFile(bundle, []byte(`{"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator", "spec_version": "2.1",
		"id": "indicator--0b1e2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
		"pattern": "[file:name > t'2020-01-01T00:00:00Z']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}]}`), 0o644)
	args := []string{"scan", "--no-cache", "--no-store", "--no-builtin", "--intel", bundle}
	code, out, errs := run(t, append(args, "--format", "jsonl", root)...)
	var sum struct {
		Skipped map[string]int64 `json:"skipped"`
		Errors  int              `json:"errors"`
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	json.Unmarshal([]byte(lines[len(lines)-1]), &sum)
	if code != 0 || sum.Skipped["stix-pattern-not-evaluated"] != 2 || sum.Errors != 1 {
		t.Errorf("jsonl: exit %d, summary %+v\n%s\n%s", code, sum, out, errs)
	}
	_, out, _ = run(t, append(args, root)...)
	if !strings.Contains(out, "2 stix-pattern-not-evaluated") ||
		!strings.Contains(out, "intel:indicator--0b1e2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b [match:stix]: STIX pattern not evaluated 2 time(s)") {
		t.Errorf("table report lacks the pattern problem:\n%s", out)
	}
}
