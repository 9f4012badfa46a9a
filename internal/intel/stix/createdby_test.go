package stix

import (
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

const mitreDHS = "identity--f690c992-8e7d-4b9a-9303-3312616c0220"

// TestCreatedByRefNames: in OASIS's public example bundle every object
// names its creator by created_by_ref; the import keeps that identity as
// a source under its id with its name, and attributes the records to it.
func TestCreatedByRefNames(t *testing.T) {
	in, err := LoadFile("testdata/oasis/indicators-for-C2-with-COA.json")
	if err != nil {
		t.Fatal(err)
	}
	want := intel.Source{ID: "stix:" + mitreDHS, Name: "The MITRE Corporation - DHS Support Team", Kind: "stix",
		Location: "testdata/oasis/indicators-for-C2-with-COA.json"}
	if len(in.Sources) != 1 || in.Sources[0] != want {
		t.Fatalf("sources %+v, want only %+v", in.Sources, want)
	}
	if len(in.Indicators) != 2 || len(in.Incidents) != 1 {
		t.Fatalf("%d indicators, %d incidents, want 2 and 1", len(in.Indicators), len(in.Incidents))
	}
	for _, ind := range in.Indicators {
		if !slices.Equal(ind.Sources, []string{want.ID}) {
			t.Errorf("indicator %s sources %v", ind.ID, ind.Sources)
		}
	}
	if x := in.Incidents[0]; x.Name != "Poison Ivy" || !slices.Equal(x.Sources, []string{want.ID}) {
		t.Errorf("incident %+v", x)
	}
}

// TestCreatedByUnknownIdentity: a creator the bundle does not describe is
// kept by its id, without a name, rather than attributed to the file;
// another document that describes it gives it its name when merged.
func TestCreatedByUnknownIdentity(t *testing.T) {
	const unknown = "identity--0c7e1b6a-2d9f-4c55-9a0e-1f2d3c4b5a69"
	bundle := `{"type": "bundle", "id": "bundle--6f1b2b1e-8d7a-4f34-9a51-0d4c3b2a1f00", "objects": [
	 {"type": "indicator", "spec_version": "2.1", "id": "indicator--5d2b7f0c-3e1a-4b8e-9c6d-2a1f0e9d8c7b",
	  "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "created_by_ref": "` + unknown + `",
	  "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"}]}`
	in, err := Load("unknown-creator.json", []byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Sources) != 1 || in.Sources[0].ID != "stix:"+unknown || in.Sources[0].Name != "" {
		t.Fatalf("sources %+v", in.Sources)
	}
	if len(in.Indicators) != 1 || !slices.Equal(in.Indicators[0].Sources, []string{"stix:" + unknown}) {
		t.Fatalf("indicators %+v", in.Indicators)
	}
	named := &intel.Intel{Sources: []intel.Source{{ID: "stix:" + unknown, Name: "Example CERT", Kind: "stix"}}}
	in.Merge(named)
	if in.Sources[0].Name != "Example CERT" {
		t.Errorf("after merge: %+v", in.Sources)
	}
}
