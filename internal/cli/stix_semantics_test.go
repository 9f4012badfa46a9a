package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestSTIXSemanticsOnePath runs each STIX indicator through both places
// cascade evaluates one: a scan (the bundle loaded as intel, simple
// patterns turned into native indicators, matched by internal/match
// against a file or network record) and `cascade intel match` (the pattern
// evaluated against the same record written as observed-data). The answers
// must be the same, and the ones docs/intel-stix-misp.md gives.
func TestSTIXSemanticsOnePath(t *testing.T) {
	const h = "5ab7f3f0c2b8d1e4a6c9e8f7d6b5a4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7"
	domainTree := "[domain-name:value = 'evil.com' OR domain-name:value LIKE '%.evil.com']"
	tests := []struct {
		name, pattern string
		domain, url   string // a network record, or
		file, sha256  string // a file record
		want          bool
	}{
		{"domain equality, same domain", "[domain-name:value = 'evil.com']", "evil.com", "", "", "", true},
		{"domain equality, sub-domain", "[domain-name:value = 'evil.com']", "sub.evil.com", "", "", "", false},
		{"domain equality, parent", "[domain-name:value = 'sub.evil.com']", "evil.com", "", "", "", false},
		{"domain equality, other", "[domain-name:value = 'evil.com']", "notevil.com", "", "", "", false},
		{"domain equality, case", "[domain-name:value = 'Evil.com']", "evil.com", "", "", "", false},
		{"domain or sub-domain, same", domainTree, "evil.com", "", "", "", true},
		{"domain or sub-domain, sub", domainTree, "a.b.evil.com", "", "", "", true},
		{"domain or sub-domain, lookalike", domainTree, "notevil.com", "", "", "", false},
		{"domains OR-ed", "[domain-name:value = 'a.example'] OR [domain-name:value = 'evil.com']", "evil.com", "", "", "", true},
		{"url equality, same", "[url:value = 'https://evil.com/x']", "", "https://evil.com/x", "", "", true},
		{"url equality, below path", "[url:value = 'https://evil.com/x']", "", "https://evil.com/x/y", "", "", false},
		{"url equality, host case", "[url:value = 'https://evil.com/x']", "", "https://EVIL.com/x", "", "", false},
		{"hash", "[file:hashes.'SHA-256' = '" + h + "']", "", "", "/opt/a/ffmpeg.dll", h, true},
		{"hash, other", "[file:hashes.'SHA-256' = '" + strings.Repeat("0", 64) + "']", "", "", "/opt/a/ffmpeg.dll", h, false},
		{"name", "[file:name = 'ffmpeg.dll']", "", "", "/opt/a/ffmpeg.dll", h, true},
		{"name, case", "[file:name = 'FFmpeg.dll']", "", "", "/opt/a/ffmpeg.dll", h, false},
		{"name, suffix", "[file:name = 'mpeg.dll']", "", "", "/opt/a/ffmpeg.dll", h, false},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan := scanMatches(t, tt.pattern, tt.domain, tt.url, tt.file, tt.sha256)
			obs := filepath.Join(dir, fmt.Sprintf("obs%d.json", i))
			writeObserved(t, obs, tt.domain, tt.url, tt.file, tt.sha256)
			code, out, errOut := runCLI(t, []string{"intel", "match", "--pattern", tt.pattern, obs}, "")
			if code != ExitClean && code != ExitFindings {
				t.Fatalf("intel match: exit %d: %s%s", code, out, errOut)
			}
			cli := code == ExitClean
			if scan != cli || cli != tt.want {
				t.Errorf("scan %v, intel match %v, want %v", scan, cli, tt.want)
			}
		})
	}
}

// scanMatches loads the pattern as a STIX indicator and matches a snapshot
// holding the record as a scan does.
func scanMatches(t *testing.T, pattern, domain, url, file, sha256 string) bool {
	t.Helper()
	ind := map[string]any{"type": "indicator", "spec_version": "2.1", "id": "indicator--b2f7b1a8-0000-4000-8000-000000000001",
		"created": "2023-03-29T00:00:00Z", "modified": "2023-03-29T00:00:00Z", "valid_from": "2023-03-29T00:00:00Z",
		"pattern_type": "stix", "pattern": pattern}
	bundle, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--b2f7b1a8-0000-4000-8000-000000000002", "objects": []any{ind}})
	in, err := stix.Load("case.json", bundle)
	if err != nil {
		t.Fatal(err)
	}
	set, err := match.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "host", CollectedAt: time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)}}
	switch {
	case file != "":
		snap.Files = []snapshot.File{{Path: file, SHA256: sha256, Type: "pe"}}
	case url != "":
		snap.Artifacts = []snapshot.Artifact{{Kind: snapshot.ArtifactBrowserVisit, URL: url}}
	default:
		snap.Artifacts = []snapshot.Artifact{{Kind: snapshot.ArtifactDNSCache, Domain: domain}}
	}
	return len(set.Match(snap)) > 0
}

// writeObserved writes the record as one observed-data with its object.
func writeObserved(t *testing.T, path, domain, url, file, sha256 string) {
	t.Helper()
	obj := map[string]any{"spec_version": "2.1", "id": "domain-name--b2f7b1a8-0000-4000-8000-000000000003", "type": "domain-name", "value": domain}
	switch {
	case url != "":
		obj = map[string]any{"spec_version": "2.1", "id": "url--b2f7b1a8-0000-4000-8000-000000000003", "type": "url", "value": url}
	case file != "":
		obj = map[string]any{"spec_version": "2.1", "id": "file--b2f7b1a8-0000-4000-8000-000000000003", "type": "file",
			"name": filepath.Base(file), "hashes": map[string]string{"SHA-256": sha256}}
	}
	od := map[string]any{"type": "observed-data", "spec_version": "2.1", "id": "observed-data--b2f7b1a8-0000-4000-8000-000000000004",
		"created": "2023-04-01T00:00:00Z", "modified": "2023-04-01T00:00:00Z",
		"first_observed": "2023-04-01T00:00:00Z", "last_observed": "2023-04-01T00:00:00Z", "number_observed": 1,
		"object_refs": []string{obj["id"].(string)}}
	data, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--b2f7b1a8-0000-4000-8000-000000000005", "objects": []any{od, obj}})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
