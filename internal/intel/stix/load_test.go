package stix

import (
	"errors"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

func load3CX(t *testing.T) *intel.Intel {
	t.Helper()
	in, err := LoadFile("testdata/3cx-bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func byID(in *intel.Intel, id string) *intel.Indicator {
	for i := range in.Indicators {
		if in.Indicators[i].ID == id {
			return &in.Indicators[i]
		}
	}
	return nil
}

func TestLoadBundle(t *testing.T) {
	in := load3CX(t)
	const p = "indicator--b2f7b1a8-0000-4000-8000-000000000"
	tests := []struct {
		id, typ, value, incident string
		revoked                  bool
	}{
		{p + "100#1", "sha256", "aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868", "campaign--b2f7b1a8-0000-4000-8000-000000000020", false},
		{p + "100#2", "sha256", "59e1edf4d82fae4978e97512b0331b7eb21dd4b838b850ba46794d9c7a2c0983", "campaign--b2f7b1a8-0000-4000-8000-000000000020", false},
		// domain-name = and url = are STIX equality, which no native type
		// is: they stay patterns (simple.go).
		{p + "110", "stix", "", "intrusion-set--b2f7b1a8-0000-4000-8000-000000000011", false},
		{p + "120", "stix", "", "malware--b2f7b1a8-0000-4000-8000-000000000030", false},
		{p + "130", "ip", "198.51.100.0/24", "", false},
		{p + "140", "stix", "", "", true},
		{p + "150", "yara", "", "", false},
		{p + "160", "pattern", "", "", false},
	}
	for _, tt := range tests {
		ind := byID(in, tt.id)
		if ind == nil {
			t.Errorf("%s missing", tt.id)
			continue
		}
		if string(ind.Type) != tt.typ || ind.Value != tt.value || ind.Incident != tt.incident || ind.Revoked != tt.revoked {
			t.Errorf("%s = %s %q incident %q revoked %v, want %s %q %q %v", tt.id, ind.Type, ind.Value, ind.Incident, ind.Revoked,
				tt.typ, tt.value, tt.incident, tt.revoked)
		}
	}
	if n := len(in.Indicators); n != len(tests) {
		t.Errorf("%d indicators, want %d", n, len(tests))
	}
	first := byID(in, p+"100#1")
	if first.Sources[0] != "stix:identity--b2f7b1a8-0000-4000-8000-000000000001" || first.Score != scoreMalicious {
		t.Errorf("sources %v score %d", first.Sources, first.Score)
	}
	if !strings.Contains(strings.Join(first.References, " "), "mandiant.com") || len(first.Tags) == 0 {
		t.Errorf("report reference and sighting tag missing: %v %v", first.References, first.Tags)
	}
	if string(first.Custom["x_vendor_confidence_note"]) != `{"level": "high"}` {
		t.Errorf("custom properties not kept: %v", first.Custom)
	}
	if d := byID(in, p+"110").ValidUntil; d.Year() != 2025 {
		t.Errorf("valid_until = %v", d)
	}
}

func TestLoadBundleContext(t *testing.T) {
	in := load3CX(t)
	inc := in.Incident("campaign--b2f7b1a8-0000-4000-8000-000000000020")
	if inc == nil || len(inc.Actors) != 1 || inc.Actors[0] != "intrusion-set--b2f7b1a8-0000-4000-8000-000000000010" ||
		len(inc.Malware) != 1 || inc.Malware[0] != "TAXHAUL" {
		t.Fatalf("campaign incident = %+v", inc)
	}
	a := in.Actor("intrusion-set--b2f7b1a8-0000-4000-8000-000000000011")
	if a == nil || len(a.Aliases) != 2 || a.Aliases[1].Source != "CrowdStrike" {
		t.Errorf("actor = %+v", a)
	}
	warn := strings.Join(in.Warnings, "\n")
	for _, want := range []string{`"sigma" is kept but not evaluated`, `"x-vendor-note"`} {
		if !strings.Contains(warn, want) {
			t.Errorf("warnings lack %q:\n%s", want, warn)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"malformed", "{\"type\": \"bundle\",\n \"objects\": [ {\"type\": } ]}", "bad.json:2:"},
		{"truncated", `{"type":"bundle","objects":[{"type":"indicator"`, "unexpected end"},
		{"not stix", `42`, "not STIX"},
		{"no id", `[{"type":"indicator","pattern":"[a:b = 'c']"}]`, "no type or id"},
		{"id mismatch", `[{"type":"indicator","id":"malware--1","pattern":"[a:b = 'c']"}]`, "does not name"},
		{"bad pattern", "[\n{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[file:name = 'x'\"}]", "bad.json:2:1: indicator--1: pattern"},
		{"bad time", `[{"type":"indicator","id":"indicator--1","pattern":"[a:b = 'c']","valid_from":"yesterday"}]`, "not a STIX timestamp"},
		{"trailing", `[] []`, "trailing data"},
		{"objects not array", `{"type":"bundle","objects":{}}`, "must be an array"},
		{"wrong field type", `[{"type":"indicator","id":"indicator--1","labels":"x","pattern":"[a:b = 'c']"}]`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		_, err := Load("bad.json", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		var le *intel.LoadError
		if err != nil && !errors.As(err, &le) {
			t.Errorf("%s: %T is not a LoadError", tt.name, err)
		}
	}
}

func TestLoadLenient(t *testing.T) {
	tests := []struct{ name, doc, warn string }{
		{"single object", `{"type":"indicator","id":"indicator--1","pattern":"[domain-name:value = 'journalide.org']","valid_from":"2023-03-29T00:00:00Z"}`, ""},
		{"circular", `[{"type":"intrusion-set","id":"intrusion-set--a","name":"A"},{"type":"intrusion-set","id":"intrusion-set--b","name":"B"},
{"type":"relationship","id":"relationship--1","relationship_type":"attributed-to","source_ref":"intrusion-set--a","target_ref":"intrusion-set--b"},
{"type":"relationship","id":"relationship--2","relationship_type":"attributed-to","source_ref":"intrusion-set--b","target_ref":"intrusion-set--a"},
{"type":"relationship","id":"relationship--3","relationship_type":"attributed-to","source_ref":"intrusion-set--a","target_ref":"intrusion-set--a"}]`, "circular"},
		{"bad utf8", "[{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"\xff\xfe\"}]", "invalid UTF-8"},
	}
	for _, tt := range tests {
		in, err := Load("ok.json", []byte(tt.doc))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if w := strings.Join(in.Warnings, "\n"); !strings.Contains(w, tt.warn) {
			t.Errorf("%s: warnings %q lack %q", tt.name, w, tt.warn)
		}
	}
}
