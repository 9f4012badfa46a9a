package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSBOM: an SBOM is an inventory source like a file tree. The
// built-in packs find the backdoored xz-utils and the event-stream
// dependency in a CycloneDX SBOM and an SPDX one, and the hash of a file
// the SBOM lists; no live machine is scanned when only --sbom is given.
func TestScanSBOM(t *testing.T) {
	const dir = "../sbom/testdata"
	root, intelFile := tree(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string // in the JSON Lines report
		wantHost []string // host names of the snapshots, in order
	}{
		{"cyclonedx", []string{"--sbom", dir + "/cyclonedx.json"}, 1,
			[]string{"xz-utils", "flatmap-stream"}, []string{"build-image@2023.03"}},
		{"cyclonedx xml", []string{"--sbom", dir + "/cyclonedx.xml"}, 0, nil, []string{"desktop"}},
		{"spdx json", []string{"--sbom", dir + "/spdx.json"}, 1, []string{"xz-utils"}, nil},
		{"spdx tag-value (nothing known)", []string{"--sbom", dir + "/spdx.spdx"}, 0, nil, []string{"image-42"}},
		{"two documents", []string{"--sbom", dir + "/spdx.spdx", "--sbom", dir + "/cyclonedx.json"}, 1,
			[]string{"xz-utils"}, []string{"image-42", "build-image@2023.03"}},
		{"sbom beside a tree", []string{"--intel", intelFile, "--sbom", dir + "/cyclonedx.json", root}, 1,
			[]string{"stand-in installer", "xz-utils"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"scan", "--quiet", "--no-cache", "--format", "jsonl"}, tt.args...)
			code, out, errb := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errb)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q:\n%s", w, out)
				}
			}
			if tt.wantHost == nil {
				return
			}
			var hosts []string
			for line := range strings.Lines(out) {
				var rec struct{ Type, Host, Source string }
				if json.Unmarshal([]byte(line), &rec) == nil && rec.Type == "summary" {
					hosts = append(hosts, rec.Host)
					if rec.Source != "sbom" {
						t.Errorf("host %s source %q, want sbom", rec.Host, rec.Source)
					}
				}
			}
			if strings.Join(hosts, ",") != strings.Join(tt.wantHost, ",") {
				t.Errorf("scanned hosts %v, want %v (only the SBOM's subject: no live scan)\n%s", hosts, tt.wantHost, out)
			}
		})
	}
}

func TestScanSBOMErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"bomFormat": "CycloneDX", "components": [`), 0o644)
	unknown := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(unknown, []byte("hello"), 0o644)
	for _, tt := range []struct{ file, want string }{
		{bad, "bad.json"},
		{unknown, "not a cascade inventory snapshot, CycloneDX or SPDX document"},
		{filepath.Join(t.TempDir(), "missing.json"), "missing.json"},
	} {
		code, out, errb := run(t, "scan", "--quiet", "--no-cache", "--sbom", tt.file)
		if code != 2 || !strings.Contains(errb, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming %q (stdout %s)", tt.file, code, errb, tt.want, out)
		}
	}
}

// TestInventorySBOM: `cascade inventory --sbom` writes the snapshot the
// SBOM gives, the same one the server stores on import.
func TestInventorySBOM(t *testing.T) {
	out := filepath.Join(t.TempDir(), "inv.json")
	code, stdout, errb := run(t, "inventory", "--quiet", "--no-cache", "--sbom", "../sbom/testdata/spdx.json", "--output", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, errb)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"source": "sbom"`) && !strings.Contains(string(b), `"source":"sbom"`) {
		t.Errorf("inventory is not the SBOM's snapshot:\n%.600s", b)
	}
	if !strings.Contains(string(b), "pkg:rpm/fedora/xz@5.6.1") {
		t.Errorf("inventory lacks the SBOM's packages:\n%.600s", b)
	}
}
