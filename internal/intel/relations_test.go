package intel

import (
	"reflect"
	"strings"
	"testing"
)

// TestMergeUnionsIncidentTies: ties to other incidents are kept from every
// document, like sources; a relation the first document already states
// for an incident is not replaced, and the first document's slices are
// not written through.
func TestMergeUnionsIncidentTies(t *testing.T) {
	related := make([]string, 1, 4)
	related[0] = "b"
	a := &Intel{Incidents: []Incident{{ID: "x", Name: "X", Related: related,
		Relations: []Relation{{Incident: "b", Relation: "led to"}}}}}
	b := &Intel{Incidents: []Incident{{ID: "x", Name: "X2", Related: []string{"c", "b"},
		Relations: []Relation{{Incident: "b", Relation: "came from"}, {Incident: "c", Relation: "related", Reference: "https://example.org"}}}}}
	a.Merge(b)
	x := a.Incidents[0]
	if x.Name != "X" || !reflect.DeepEqual(x.Related, []string{"b", "c"}) ||
		!reflect.DeepEqual(x.Relations, []Relation{{Incident: "b", Relation: "led to"}, {Incident: "c", Relation: "related", Reference: "https://example.org"}}) {
		t.Errorf("merged %+v", x)
	}
	if related[:2][1] != "" {
		t.Errorf("merge wrote into the first document's slice: %q", related[:2])
	}
}

func TestRelationsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		rel  Relation
		ok   bool
	}{
		{"fine", Relation{Incident: "b", Relation: "led to", Reference: "https://example.org"}, true},
		{"no incident", Relation{Relation: "led to"}, false},
		{"no relation", Relation{Incident: "b"}, false},
		{"itself", Relation{Incident: "a", Relation: "led to"}, false},
		{"long", Relation{Incident: "b", Relation: strings.Repeat("x", 201)}, false},
	} {
		in := &Intel{Incidents: []Incident{{ID: "a", Name: "A", Relations: []Relation{tc.rel}}}}
		if err := in.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v", tc.name, err)
		}
	}
}
