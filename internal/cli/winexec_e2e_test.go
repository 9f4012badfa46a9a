package cli

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// TestEndToEndDeletedXTraderRanSince: an image where the trojanized
// X_TRADER installer ran on 2022-04-12 and was then deleted (winexec.sh)
// is found through the SHA-1 its Amcache entry kept, and the Prefetch run
// time dates it: the report says it ran since 2022-04-12. Decoys
// (svchost.exe in Amcache, Shimcache and Prefetch) make no finding.
func TestEndToEndDeletedXTraderRanSince(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3")
	for _, mode := range []string{"", "legacy"} {
		root := testutil.Fixture(t, "winexec.sh", mode)
		sum := sha1.Sum([]byte("cascade fixture: stands in for X_TRADER_r7.17.90p608.exe (not a program)\n"))
		digest := hex.EncodeToString(sum[:])
		intel := filepath.Join(t.TempDir(), "xtrader.json")
		os.WriteFile(intel, []byte(`{"schema": "cascade.intel/v1",
  "source": {"id": "test:winexec", "name": "winexec test", "kind": "file"},
  "indicators": [{"id": "t-xtrader-sha1", "type": "sha1", "value": "`+digest+`", "score": 90,
    "description": "trojanized X_TRADER installer (test digest)", "incident": "xtrader-2022"}]}`), 0o644)
		code, out, errs := run(t, "scan", "--no-cache", "--format", "jsonl", "--intel", intel, root)
		if code == 2 {
			t.Fatalf("scan: %s", errs)
		}
		var hit map[string]any
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var f struct {
				Evidence struct {
					ArtifactKind string `json:"artifact_kind"`
					SHA1         string `json:"sha1"`
					Path         string `json:"path"`
				} `json:"evidence"`
			}
			json.Unmarshal([]byte(line), &f)
			if strings.Contains(strings.ToLower(f.Evidence.Path), "svchost") {
				t.Errorf("legacy=%q: decoy made a finding: %s", mode, line)
			}
			if f.Evidence.ArtifactKind == "amcache-file" && f.Evidence.SHA1 == digest {
				json.Unmarshal([]byte(line), &hit)
			}
		}
		if hit == nil {
			t.Fatalf("legacy=%q: no finding on the Amcache SHA-1:\n%s", mode, out)
		}
		// The program's five records are one finding (match.mergeRuns): it
		// ran since Prefetch's first run time, and was on the host since the
		// file-modified time Shimcache cached, five minutes earlier (the
		// download), as a file on disk is exposed since its modified time.
		if hit["ran_since"] != "2022-04-12T09:30:00Z" || !strings.HasPrefix(hit["ran_by"].(string), "Prefetch run time") ||
			hit["exposed_since"] != "2022-04-12T09:25:00Z" || !strings.HasPrefix(hit["exposed_by"].(string), "shimcache file modified") {
			t.Errorf("legacy=%q: finding %v, want ran_since 2022-04-12T09:30:00Z from Prefetch and exposed_since 09:25 from Shimcache", mode, hit)
		}
		var kinds []string
		for _, c := range hit["context"].([]any) {
			ev := c.(map[string]any)["evidence"].(map[string]any)
			kinds = append(kinds, ev["artifact_kind"].(string))
		}
		if got := strings.Join(kinds, ","); got != "prefetch,bam,userassist,shimcache" {
			t.Errorf("legacy=%q: the program's other records joined as %q, want prefetch,bam,userassist,shimcache", mode, got)
		}
		if n := strings.Count(out, `"type":"finding"`); n != 1 {
			t.Errorf("legacy=%q: %d findings, want the program's records as one:\n%s", mode, n, out)
		}
		reasons, _ := json.Marshal(hit["reasons"])
		if !strings.Contains(string(reasons), "Amcache entry") || !strings.Contains(string(reasons), digest) {
			t.Errorf("legacy=%q: reasons %s do not name the Amcache entry and its SHA-1", mode, reasons)
		}
		_, text, _ := run(t, "scan", "--no-cache", "--intel", intel, root)
		if !strings.Contains(text, "ran      since 2022-04-12 09:30 UTC (Prefetch run time") || !strings.Contains(text, "also     prefetch ") {
			t.Errorf("legacy=%q: text report does not say it ran since 2022-04-12:\n%s", mode, text)
		}
	}
}
