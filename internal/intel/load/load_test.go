package load

import (
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
		{"../stix/testdata/3cx-bundle.json", FormatSTIX, 9},
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
	if _, err := Paths([]string{dir}); err == nil || !strings.Contains(err.Error(), "junk.json: unknown intel format") {
		t.Errorf("junk: %v", err)
	}
}
