package stix

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

func exportLoad(t *testing.T, in *intel.Intel) (*intel.Intel, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, in, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := Load("packs.stix.json", buf.Bytes())
	if err != nil {
		t.Fatalf("load exported bundle: %v", err)
	}
	return back, buf.Bytes()
}

// TestPacksRoundTrip exports every built-in pack and loads the bundle
// back: the model must come back record for record.
func TestPacksRoundTrip(t *testing.T) {
	in, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	back, raw := exportLoad(t, in)
	if len(back.Warnings) > 0 {
		t.Errorf("warnings: %v", back.Warnings)
	}
	same(t, "sources", in.Sources, back.Sources)
	same(t, "incidents", in.Incidents, back.Incidents)
	same(t, "actors", in.Actors, back.Actors)
	same(t, "advisories", in.Advisories, back.Advisories)
	same(t, "indicators", in.Indicators, back.Indicators)
	var again bytes.Buffer
	if err := Export(&again, back, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again.Bytes()) {
		t.Error("exporting the loaded bundle again gives different bytes")
	}
}

func same[T any](t *testing.T, what string, a, b []T) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d before, %d after", what, len(a), len(b))
	}
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			ja, _ := json.Marshal(a[i])
			jb, _ := json.Marshal(b[i])
			t.Errorf("%s %d differs:\nbefore %s\nafter  %s", what, i, ja, jb)
			return
		}
	}
}

// TestIncidentTiesAsRelationships: the packs' tie between 3CX and
// X_TRADER is exported as related-to relationships between the two
// campaigns, with the tie's wording and source, and a reader that only
// has those relationships (the campaigns' cascade extension removed, as
// another tool's bundle would be) gets the same ties back.
func TestIncidentTiesAsRelationships(t *testing.T) {
	in, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Export(&buf, in, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(buf.Bytes(), &bundle); err != nil {
		t.Fatal(err)
	}
	campaign := map[string]string{} // STIX id -> cascade incident id
	for _, o := range bundle.Objects {
		if o["type"] == "campaign" && o["x_cascade_kind"] == kindIncident {
			campaign[o["id"].(string)] = o["x_cascade_id"].(string)
		}
	}
	type tie struct{ from, to, desc, url string }
	var got []tie
	for _, o := range bundle.Objects {
		if o["type"] != "relationship" || o["relationship_type"] != "related-to" {
			continue
		}
		x := tie{from: campaign[o["source_ref"].(string)], to: campaign[o["target_ref"].(string)]}
		if x.from == "" || x.to == "" {
			continue // another kind of related-to (an indicator's, say)
		}
		x.desc, _ = o["description"].(string)
		if refs, ok := o["external_references"].([]any); ok && len(refs) > 0 {
			x.url, _ = refs[0].(map[string]any)["url"].(string)
		}
		got = append(got, x)
	}
	const mandiant = "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise"
	want := map[tie]bool{
		{"3cx-2023", "xtrader-2022", "initial access came from", mandiant}: true,
		{"xtrader-2022", "3cx-2023", "led to", mandiant}:                   true,
	}
	for _, x := range got {
		if !want[x] {
			t.Errorf("unexpected related-to relationship %+v", x)
		}
		delete(want, x)
	}
	for x := range want {
		t.Errorf("missing related-to relationship %+v (got %+v)", x, got)
	}

	// Without the extension, the ties come from the relationships alone.
	for _, o := range bundle.Objects {
		if o["type"] == "campaign" {
			delete(o, "x_cascade_incident")
		}
	}
	bare, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Load("bare.stix.json", bare)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"3cx-2023", "xtrader-2022"} {
		var inc, orig *intel.Incident
		for i := range back.Incidents {
			if back.Incidents[i].ID == id {
				inc = &back.Incidents[i]
			}
		}
		for i := range in.Incidents {
			if in.Incidents[i].ID == id {
				orig = &in.Incidents[i]
			}
		}
		if inc == nil || orig == nil {
			t.Fatalf("incident %s missing after the round trip", id)
		}
		if !reflect.DeepEqual(inc.Related, orig.Related) || !reflect.DeepEqual(inc.Relations, orig.Relations) {
			t.Errorf("%s: ties from relationships alone %v %+v, want %v %+v", id, inc.Related, inc.Relations, orig.Related, orig.Relations)
		}
	}
}
