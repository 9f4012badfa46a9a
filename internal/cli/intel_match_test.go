package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	hostJSON    = "testdata/intel_match/host.json"
	lenientJSON = "testdata/intel_match/lenient.json"
	brokenJSON  = "testdata/intel_match/broken.json"
	ffmpegHash  = "5ab7f3f0c2b8d1e4a6c9e8f7d6b5a4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7"
)

type cliCase struct {
	name   string
	args   []string
	stdin  string
	code   int
	stdout string // substring expected on stdout
	stderr string // substring expected on stderr
}

func runCLI(t *testing.T, args []string, stdin string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), append([]string{"cascade"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestIntelMatchCLI(t *testing.T) {
	host, _ := os.ReadFile(hostJSON)
	cases := []cliCase{
		{"hash match", []string{"intel", "match", "--pattern", "[file:hashes.'SHA-256' = '" + ffmpegHash + "']", hostJSON}, "", 0, "match\n", ""},
		{"no match", []string{"intel", "match", "--pattern", "[file:hashes.'SHA-256' = 'ab']", hostJSON}, "", 1, "no match\n", ""},
		{"flags after file", []string{"intel", "match", hostJSON, "--pattern", "[domain-name:value = 'c2.example.net']"}, "", 0, "match", ""},
		{"stdin", []string{"intel", "match", "-pattern", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", "-"}, string(host), 0, "match", ""},
		{"deref and LIKE", []string{"intel", "match", "--pattern", `[file:name = 'ffmpeg.dll' AND file:parent_directory_ref.path LIKE '%\\3CXDesktopApp']`, hostJSON}, "", 0, "match", ""},
		{"followedby within", []string{"intel", "match", "--pattern",
			"([file:name = 'ffmpeg.dll'] FOLLOWEDBY [domain-name:value = 'c2.example.net']) WITHIN 60 SECONDS", hostJSON}, "", 0, "match", ""},
		{"followedby too slow", []string{"intel", "match", "--pattern",
			"([file:name = 'ffmpeg.dll'] FOLLOWEDBY [domain-name:value = 'c2.example.net']) WITHIN 29 SECONDS", hostJSON}, "", 1, "no match", ""},
		{"repeats within number_observed", []string{"intel", "match", "--pattern", "[network-traffic:dst_port = 443] REPEATS 3 TIMES", hostJSON}, "", 0, "match", ""},
		{"repeats beyond number_observed", []string{"intel", "match", "--pattern", "[network-traffic:dst_port = 443] REPEATS 4 TIMES", hostJSON}, "", 1, "no match", ""},
		{"lenient input warns", []string{"intel", "match", "--pattern", "[x-cascade-software:version = '18.12.416']", lenientJSON}, "", 0, "match",
			`warning: testdata/intel_match/lenient.json: [0] (observed-data-7): id "observed-data-7" is not of the form`},
		{"custom type warning", []string{"intel", "match", "--pattern", "[file:name = 'd3dcompiler_47.dll']", lenientJSON}, "", 0, "match", `custom object type "x-cascade-software"`},
		{"data error", []string{"intel", "match", "--pattern", "[file:x_seen > t'2023-01-01T00:00:00Z']", lenientJSON}, "", 2, "",
			"cascade intel: match: testdata/intel_match/lenient.json: observation observed-data-7: file:x_seen: compared with a timestamp"},
		{"invalid pattern position", []string{"intel", "match", "--pattern", "[file:size = 10 FOLLOWEDBY [file:size = 11]]", hostJSON}, "", 2, "",
			"cascade intel: match: invalid pattern: 1:17: expected ']' or AND/OR, found 'FOLLOWEDBY'"},
		{"REPEATS 0", []string{"intel", "match", "--pattern", "[file:size = 10] REPEATS 0 TIMES", hostJSON}, "", 2, "", "REPEATS must be a positive integer"},
		{"AND across types", []string{"intel", "match", "--pattern", "[file:size = 10 AND process:pid = 4]", hostJSON}, "", 2, "", "AND joins comparisons on different object types"},
		{"deep nesting", []string{"intel", "match", "--pattern", strings.Repeat("(", 1000) + "[a:b = 1]" + strings.Repeat(")", 1000), hostJSON}, "", 2, "", "nested deeper than 256"},
		{"invalid UTF-8", []string{"intel", "match", "--pattern", "[a:b = '\xff']", hostJSON}, "", 2, "", "1:9: invalid UTF-8"},
		{"no observed-data", []string{"intel", "match", "--pattern", "[a:b = 1]", "-"}, `{"type":"bundle","id":"bundle--1","objects":[]}`, 1, "no match", "input: no observed-data objects"},
		{"warnings capped", []string{"intel", "match", "--pattern", "[a:b = 1]", "-"}, manyWarnings(30), 1, "no match", "70 more warnings not shown"},
		{"broken input", []string{"intel", "match", "--pattern", "[a:b = 1]", brokenJSON}, "", 2, "", "testdata/intel_match/broken.json: invalid JSON"},
		{"missing file", []string{"intel", "match", "--pattern", "[a:b = 1]", "testdata/intel_match/nope.json"}, "", 2, "", "no such file"},
		{"missing pattern", []string{"intel", "match", hostJSON}, "", 2, "", "--pattern is required\nRun 'cascade intel -h' for usage."},
		{"two files", []string{"intel", "match", "--pattern", "[a:b = 1]", hostJSON, hostJSON}, "", 2, "", "want exactly one FILE, got 2"},
		{"no file", []string{"intel", "match", "--pattern", "[a:b = 1]"}, "", 2, "", "want exactly one FILE, got 0"},
		{"unknown flag", []string{"intel", "match", "--frob", hostJSON}, "", 2, "", "flag provided but not defined: -frob"},
		{"match help", []string{"intel", "match", "-h"}, "", 0, "", "Usage: cascade intel match --pattern"},
		{"intel help", []string{"intel", "-h"}, "", 0, "match      match a STIX 2.1 pattern", ""},
		{"intel alone", []string{"intel"}, "", 2, "", "missing intel sub-command"},
		{"unknown sub-command", []string{"intel", "frob"}, "", 2, "", `unknown intel sub-command "frob"`},
		{"listed in usage", []string{"help"}, "", 0, "intel", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.args, c.stdin)
			if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %q (want %q)\nstderr: %q (want %q)", code, c.code, stdout, c.stdout, stderr, c.stderr)
			}
		})
	}
}

// manyWarnings is an array of n observed-data without created, modified or
// an id: three warnings each.
func manyWarnings(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, `{"type":"observed-data","first_observed":"2023-01-01T00:00:00Z",`+
			`"last_observed":"2023-01-01T00:00:00Z","number_observed":1,"objects":{}}`)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// --explain output is compared with golden files (go test -update rewrites
// them).
func TestIntelMatchExplain(t *testing.T) {
	cases := []struct{ golden, pattern, file string }{
		{"hash.golden", "[file:hashes.'SHA-256' = '" + ffmpegHash + "']", hostJSON},
		{"sequence.golden", "([file:name = 'ffmpeg.dll'] FOLLOWEDBY [domain-name:value = 'c2.example.net' OR domain-name:value = 'c3.example.net'] FOLLOWEDBY [network-traffic:dst_ref.value = '198.51.100.23']) WITHIN 300 SECONDS", hostJSON},
		{"repeats.golden", "([network-traffic:dst_port = 443] REPEATS 2 TIMES AND [file:size > 1000000]) OR [process:pid = 4]", hostJSON},
		{"or-branches.golden", "[process:pid = 4] OR [file:name = 'nope.dll'] OR [domain-name:value LIKE '%.example.net']", hostJSON},
		{"group.golden", "([network-traffic:dst_port = 443] OR [domain-name:value = 'c2.example.net'] FOLLOWEDBY [network-traffic:protocols[*] = 'tls']) REPEATS 2 TIMES", hostJSON},
	}
	for _, c := range cases {
		code, stdout, stderr := runCLI(t, []string{"intel", "match", "--explain", "--pattern", c.pattern, c.file}, "")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", c.golden, code, stderr)
			continue
		}
		checkGolden(t, filepath.Join("testdata", "intel_match", c.golden), stdout)
	}
}
