package load

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectAndLoad(t *testing.T) {
	tests := []struct {
		file, format string
		indicators   int
	}{
		{"../stix/testdata/3cx-bundle.json", FormatSTIX, 8}, // its domain pattern is STIX equality: one stix indicator
		{"../misp/testdata/3cx-event.json", FormatMISP, 6},
		{"../misp/testdata/vendor-domains-warninglist.json", FormatWarninglist, 0},
		{"../packs/data/3cx-2023.json", FormatNative, -1},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(tt.file, data); got != tt.format {
			t.Errorf("%s: detected %s, want %s", tt.file, got, tt.format)
		}
		in, err := File(tt.file)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if tt.indicators >= 0 && len(in.Indicators) != tt.indicators {
			t.Errorf("%s: %d indicators, want %d", tt.file, len(in.Indicators), tt.indicators)
		}
	}
}

func TestPathsWithFeedDirectory(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feeds", "example")
	os.MkdirAll(feed, 0o755)
	for _, f := range []string{"manifest.json", "5f0c1a57-3c59-4cf5-9b1f-2a3c4d5e6f70.json", "6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d.json"} {
		data, err := os.ReadFile(filepath.Join("../misp/testdata/feed", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(feed, f), data, 0o644)
	}
	wl, _ := os.ReadFile("../misp/testdata/vendor-domains-warninglist.json")
	os.WriteFile(filepath.Join(dir, "list.json"), wl, 0o644)
	in, err := Paths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Incidents) != 2 || len(in.Warninglists) != 1 {
		t.Errorf("%d incidents, %d warninglists", len(in.Incidents), len(in.Warninglists))
	}
	os.WriteFile(filepath.Join(dir, "junk.json"), []byte(`{"hello": 1}`), 0o644)
	os.WriteFile(filepath.Join(dir, "cut.json"), []byte(`{"list": ["a",`), 0o644)
	os.WriteFile(filepath.Join(dir, "stix-c2.json"), []byte(`{"type": "bundle", "id": "bundle--1", "objects": [`+
		`{"type": "indicator", "spec_version": "2.1", "id": "indicator--33fe3b22-0201-47cf-85d0-97c02164528d", `+
		`"created": "2014-05-08T09:00:00.000Z", "modified": "2014-05-08T09:00:00.000Z", `+
		`"pattern": "[ipv4-addr:value = '10.0.0.1']", "pattern_type": "stix", "valid_from": "2014-05-08T09:00:00Z"}]}`), 0o644)
	in, err = Paths([]string{dir, filepath.Join(dir, "missing.json")})
	var bad Errors
	if !errors.As(err, &bad) || len(bad) != 3 {
		t.Fatalf("want 3 bad files, got %v", err)
	}
	for i, want := range []string{"cut.json:1:15: malformed JSON", "junk.json: unknown intel format", "missing.json"} {
		if !strings.Contains(bad[i].Error(), want) {
			t.Errorf("error %d: %v, want %q", i, bad[i], want)
		}
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 {
		t.Errorf("want one line per bad file: %q", err)
	}
	stixLoaded := false
	for _, ind := range in.Indicators {
		stixLoaded = stixLoaded || ind.ID == "indicator--33fe3b22-0201-47cf-85d0-97c02164528d"
	}
	if len(in.Incidents) != 2 || len(in.Warninglists) != 1 || !stixLoaded {
		t.Errorf("the good files were not all loaded: %d incidents, %d warninglists, STIX indicator %v",
			len(in.Incidents), len(in.Warninglists), stixLoaded)
	}
}
