package yara

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/misp"
	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func yaraIntel(id, rules string) *intel.Intel {
	return &intel.Intel{Indicators: []intel.Indicator{{ID: id, Type: intel.YARA, Pattern: rules, PatternType: "yara", Sources: []string{"src"}}}}
}

func TestRulesetScan(t *testing.T) {
	rules := `
rule Externals {
  meta: score = 90 description = "externals" reference = "https://example.org/r"
  strings: $a = "needle"
  condition: $a and filename == "evil.dll" and extension == ".dll" and filetype == "EXE" and filepath contains "\\Windows\\" and owner == "bob"
}
rule ManyMatches { strings: $x = "xx" $p = "needle" private condition: #x > 20 and $p }
rule NoScore : t1 t2 { strings: $h = { 00 01 02 } condition: $h }
private rule Hidden { condition: true }
rule StringScore { meta: score = "55" condition: filesize > 0 }
`
	rs, err := FromIntel(yaraIntel("ind--1", rules), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("MZ needle " + strings.Repeat("x", 60) + "\x00\x01\x02")
	rec := &snapshot.File{Path: `C:\Windows\System32\Evil.DLL`, Type: snapshot.TypePE, User: "bob"}
	// The base name keeps its case: filename == "evil.dll" must fail.
	ms, err := rs.Scan(context.Background(), data, rec)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]snapshot.YARAMatch{}
	for _, m := range ms {
		got[m.Rule] = m
	}
	if _, ok := got["Externals"]; ok {
		t.Errorf("Externals matched a file named Evil.DLL")
	}
	rec.Path = `C:\Windows\System32\evil.dll`
	ms, err = rs.Scan(context.Background(), data, rec)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]snapshot.YARAMatch{}
	for _, m := range ms {
		got[m.Rule] = m
	}
	if len(got) != 4 {
		t.Fatalf("matched %v, want Externals, ManyMatches, NoScore, StringScore", ms)
	}
	e := got["Externals"]
	if e.Score != 90 || e.Namespace != "ind--1" || e.Indicator != "ind--1" || e.Description != "externals" ||
		e.Reference != "https://example.org/r" || len(e.Strings) != 1 || e.Strings[0].Offset != 3 || e.Strings[0].Data != "needle" {
		t.Errorf("Externals: %+v", e)
	}
	m := got["ManyMatches"]
	if len(m.Strings) != maxStringMatches || !m.StringsCapped || m.Strings[0].Name != "$x" {
		t.Errorf("ManyMatches: %d strings, capped %v: %+v", len(m.Strings), m.StringsCapped, m.Strings)
	}
	for _, s := range m.Strings {
		if s.Name == "$p" {
			t.Errorf("private string listed: %+v", s)
		}
	}
	if n := got["NoScore"]; n.Score != 0 || strings.Join(n.Tags, ",") != "t1,t2" || n.Strings[0].Data != `\x00\x01\x02` {
		t.Errorf("NoScore: %+v", n)
	}
	if got["StringScore"].Score != 55 {
		t.Errorf("StringScore: %+v", got["StringScore"])
	}
}

func TestRulesetFingerprintAndErrors(t *testing.T) {
	a, _ := FromIntel(yaraIntel("i", "rule a { condition: true }"), time.Now())
	b, _ := FromIntel(yaraIntel("i", "rule a { condition: true }"), time.Now())
	c, _ := FromIntel(yaraIntel("i", "rule a { condition: false }"), time.Now())
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == c.Fingerprint() {
		t.Errorf("fingerprints %s %s %s", a.Fingerprint(), b.Fingerprint(), c.Fingerprint())
	}
	if rs, err := FromIntel(&intel.Intel{}, time.Now()); rs != nil || err != nil {
		t.Errorf("no rules: %v, %v", rs, err)
	}
	_, err := FromIntel(yaraIntel("bad--1", "rule a { condition: $x }"), time.Now())
	if err == nil || !strings.Contains(err.Error(), "bad--1") || !strings.Contains(err.Error(), "src") {
		t.Errorf("compile error %v, want it to name the indicator and its source", err)
	}
	// Rules an admin posted carry no source: the message names none
	// rather than "(source )".
	bare := yaraIntel("bare", "rule a { condition: $x }")
	bare.Indicators[0].Sources = nil
	if _, err := FromIntel(bare, time.Now()); err == nil || strings.Contains(err.Error(), "source") {
		t.Errorf("compile error %v, want no empty source", err)
	}
	old := yaraIntel("old", "rule a { condition: true }")
	old.Indicators[0].Revoked = true
	if rs, err := FromIntel(old, time.Now()); rs != nil || err != nil {
		t.Errorf("revoked rules compiled: %v, %v", rs, err)
	}
}

func TestRulesetTimeout(t *testing.T) {
	rs, err := FromIntel(yaraIntel("i", `rule r { strings: $a = /a[^b]{0,100}c/ condition: $a }`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rs.Timeout, rs.PerMiB = time.Nanosecond, 0
	_, err = rs.Scan(context.Background(), []byte(strings.Repeat("a", 8<<20)), &snapshot.File{Path: "/x"})
	if err == nil || !strings.Contains(err.Error(), "took longer") {
		t.Errorf("err %v, want a timeout", err)
	}
}

// TestRulesFromSTIXAndMISP checks that the YARA patterns the STIX and
// MISP loaders keep are evaluated.
func TestRulesFromSTIXAndMISP(t *testing.T) {
	rule := `rule FromFeed { strings: $k = "3jB(2bsG#@c7" condition: $k }`
	bundle, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--8e4a1b2c-0000-4000-8000-000000000001",
		"objects": []any{map[string]any{"type": "indicator", "spec_version": "2.1",
			"id": "indicator--8e4a1b2c-0000-4000-8000-000000000002", "created": "2023-03-30T00:00:00Z",
			"modified": "2023-03-30T00:00:00Z", "valid_from": "2023-03-30T00:00:00Z",
			"pattern_type": "yara", "pattern": rule}}})
	event, _ := json.Marshal(map[string]any{"Event": map[string]any{"uuid": "5f0c1d2e-0000-4000-8000-000000000003",
		"info": "test", "date": "2023-03-30", "Attribute": []any{map[string]any{"uuid": "5f0c1d2e-0000-4000-8000-000000000004",
			"type": "yara", "category": "Payload installation", "value": strings.Replace(rule, "FromFeed", "FromMISP", 1), "to_ids": true}}}})
	all := &intel.Intel{}
	for _, load := range []func() (*intel.Intel, error){
		func() (*intel.Intel, error) { return stix.Load("b.json", bundle) },
		func() (*intel.Intel, error) { return misp.Load("e.json", event) },
	} {
		in, err := load()
		if err != nil {
			t.Fatal(err)
		}
		all.Merge(in)
	}
	rs, err := FromIntel(all, time.Now())
	if err != nil || rs == nil {
		t.Fatalf("compile: %v", err)
	}
	ms, err := rs.Scan(context.Background(), []byte("key: 3jB(2bsG#@c7"), &snapshot.File{Path: "/ffmpeg.dll"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Indicator+":"+m.Rule)
	}
	if len(ms) != 2 || !strings.HasPrefix(names[0], "indicator--8e4a1b2c-0000-4000-8000-000000000002:FromFeed") ||
		!strings.HasSuffix(names[1], ":FromMISP") {
		t.Errorf("matches %v", names)
	}
}
