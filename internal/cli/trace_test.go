package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const caseDir = "../cascade/testdata/3cx/"

// caseArgs loads the whole 3CX case, provenance checked with its key.
func caseArgs(extra ...string) []string {
	return append([]string{"trace", "--graph", caseDir + "graph.json", "--declared", caseDir + "declared.csv",
		"--deliveries", caseDir + "deliveries.csv", "--provenance", caseDir + "provenance.intoto.jsonl",
		"--provenance-key", caseDir + "signing-pub.pem", "--at", "2023-04-20", "--skew", "5m"}, extra...)
}

var backwardsSeeds = []string{"--backwards", "--from", "host:acme-ws-11@2023-03-29", "--from", "host:globex-pbx-02@2023-03-29", "--from", "host:initech-lt-04@2023-03-29"}

func TestTraceGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"forward.table", []string{"--from", "release:x_trader@7.17.90p608"}},
		{"forward.json", []string{"--from", "release:x_trader@7.17.90p608@2022-02-01", "--format", "json"}},
		{"forward.dot", []string{"--from", "release:x_trader@7.17.90p608", "--format", "dot"}},
		{"forward.stix.json", []string{"--from", "release:x_trader@7.17.90p608", "--format", "stix"}},
		{"backwards.table", backwardsSeeds},
		{"backwards.json", append([]string{"--format", "json"}, backwardsSeeds...)},
		{"backwards.dot", append([]string{"--format", "dot"}, backwardsSeeds...)},
		{"no-reaches.table", []string{"--from", "release:x_trader@7.17.90p608", "--exclude", "reaches"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, stderr := run(t, caseArgs(tc.args...)...)
			if code != ExitFindings {
				t.Fatalf("exit %d, want 1 (reached something)\n%s", code, stderr)
			}
			checkGolden(t, filepath.Join("testdata", "trace", tc.golden), out)
		})
	}
}

// TestTraceSTIXDeterministic: two runs give the same bytes, and the bundle
// holds an indicator per suspect digest and version, each derived from the seed.
func TestTraceSTIXDeterministic(t *testing.T) {
	args := caseArgs("--from", "release:x_trader@7.17.90p608", "--format", "stix")
	_, a, _ := run(t, args...)
	_, b, _ := run(t, args...)
	if a != b {
		t.Fatal("two runs gave different bundles")
	}
	var bundle struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal([]byte(a), &bundle); err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]any{}
	for _, o := range bundle.Objects {
		ids[o["id"].(string)] = o
	}
	derived, patterns := 0, []string{}
	for _, o := range bundle.Objects {
		if o["type"] == "relationship" && o["relationship_type"] == "derived-from" {
			src, dst := ids[o["source_ref"].(string)], ids[o["target_ref"].(string)]
			if src == nil || dst == nil || !strings.Contains(dst["pattern"].(string), "X_TRADER") {
				t.Errorf("relationship %v does not join a suspect indicator to the X_TRADER seed", o["id"])
			}
			patterns = append(patterns, src["pattern"].(string))
			derived++
		}
	}
	if derived != 6 {
		t.Errorf("%d derived-from relationships, want 6 (3 suspect releases × digest and version)", derived)
	}
	if s := strings.Join(patterns, "\n"); strings.Contains(s, "18.12.402") || !strings.Contains(s, "1abaa4eb") {
		t.Errorf("patterns:\n%s", s)
	}
}

func TestTraceErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"future seed", caseArgs("--from", "host:dev-pc-07@2024-01-01"), "in the future of the trace time"},
		{"unknown seed", caseArgs("--from", "host:nope@2023-01-01"), `"host:nope" is no node`},
		{"no seed time", caseArgs("--from", "host:dev-pc-07"), "give a time"},
		{"stix backwards", caseArgs(append([]string{"--format", "stix"}, backwardsSeeds...)...), "forward only"},
		{"bad confidence", caseArgs("--from", "host:dev-pc-07@2023-01-01", "--confidence", "reaches=2"), "KIND=X"},
		{"bad exclude", caseArgs("--from", "host:dev-pc-07@2023-01-01", "--exclude", "walks"), `unknown edge kind "walks"`},
		{"no graph", []string{"trace", "--from", "x@2023-01-01"}, "no --graph"},
		{"unverified provenance", []string{"trace", "--graph", caseDir + "graph.json", "--provenance", caseDir + "tampered.intoto.jsonl",
			"--provenance-key", caseDir + "signing-pub.pem", "--from", "host:build-win-02@2023-01-01", "--at", "2023-04-20"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, tc.args...)
			if tc.want == "" { // the tampered attestation: traced, but shown unverified
				if code != ExitFindings || !strings.Contains(out, "suspect, unverified") || !strings.Contains(out, "does not verify") {
					t.Errorf("exit %d\n%s", code, out)
				}
				return
			}
			if code != ExitError || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

// TestTraceSBOM: a local CycloneDX SBOM makes its subject depend on its
// components, so a compromised component makes the release suspect.
func TestTraceSBOM(t *testing.T) {
	sbom := "../server/tracegraph/testdata/3cx-416.cdx.json"
	code, out, stderr := run(t, "trace", "--sbom", sbom, "--from", "release:ffmpeg@4.4.3cx@2022-12-01", "--at", "2023-04-20")
	if code != ExitFindings || !strings.Contains(out, "release:ffmpeg@4.4.3cx -depends-on-> release:3cxdesktopapp@18.12.416") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
	// Built before the compromise: not reached.
	if code, out, _ := run(t, "trace", "--sbom", sbom, "--from", "release:ffmpeg@4.4.3cx@2023-03-08", "--at", "2023-04-20"); code != 0 || strings.Contains(out, "3cxdesktopapp") {
		t.Errorf("a release built before its component was compromised is reached: exit %d\n%s", code, out)
	}
	if code, _, stderr := run(t, "trace", "--server", "https://127.0.0.1:1", "--sbom", sbom, "--from", "x@2023-01-01"); code != ExitError || !strings.Contains(stderr, "--sbom reads a local file") {
		t.Errorf("--sbom with --server: exit %d %s", code, stderr)
	}
}
