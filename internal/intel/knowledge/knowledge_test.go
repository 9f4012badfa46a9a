package knowledge

import (
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/load"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

// TestMergeAcrossSources loads the 3CX actors as the built-in pack, a STIX
// bundle and a MISP event describe them: one entity, every alias with the
// source that uses it.
func TestMergeAcrossSources(t *testing.T) {
	in, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	more, err := load.Paths([]string{"../stix/testdata/3cx-bundle.json", "../misp/testdata/3cx-event.json"})
	if err != nil {
		t.Fatal(err)
	}
	in.Merge(more)
	m := Build(in)
	found := m.Find("labyrinth   CHOLLIMA")
	if len(found) != 1 {
		t.Fatalf("found %d entities", len(found))
	}
	e := found[0]
	for _, id := range []string{"unc4736", "intrusion-set--b2f7b1a8-0000-4000-8000-000000000010",
		"intrusion-set--b2f7b1a8-0000-4000-8000-000000000011", "misp-galaxy:threat-actor:lazarus group"} {
		if !slices.Contains(e.Actors, id) {
			t.Errorf("entity %s lacks %s: %v", e.Name, id, e.Actors)
		}
	}
	for _, al := range []intel.Alias{{Name: "LABYRINTH CHOLLIMA", Source: "CrowdStrike"}, {Name: "Hidden Cobra", Source: "Example CERT"},
		{Name: "UNC4736", Source: "Mandiant"}} {
		if !slices.Contains(e.Aliases, al) {
			t.Errorf("alias %v missing from %v", al, e.Aliases)
		}
	}
	if m.Of("smoothoperator") == e {
		t.Error("a campaign was merged into an actor")
	}
	if len(m.Conflicts) != 0 {
		t.Errorf("conflicts %+v", m.Conflicts)
	}
}

func TestConflictingAttribution(t *testing.T) {
	in := &intel.Intel{
		Actors: []intel.Actor{
			{ID: "a", Name: "UNC4736", Kind: "intrusion-set", Sources: []string{"mandiant"}},
			{ID: "b", Name: "Lazarus", Kind: "threat-actor", Sources: []string{"other"}},
			{ID: "c", Name: "SmoothOperator", Kind: "campaign"},
			{ID: "d", Name: "unc 4736", Kind: "threat-actor", Sources: []string{"x"}},
			{ID: "e", Name: "Partner", Sources: []string{"mandiant"}},
		},
		Incidents: []intel.Incident{
			{ID: "i1", Name: "one", Actors: []string{"a", "b", "c"}},
			{ID: "i2", Name: "two", Actors: []string{"a", "c"}},
			{ID: "i3", Name: "one source, two actors", Actors: []string{"a", "e"}},
		},
	}
	m := Build(in)
	if len(m.Conflicts) != 1 || m.Conflicts[0].Incident != "i1" || len(m.Conflicts[0].Claims) != 2 ||
		m.Conflicts[0].Claims[1].Sources[0] != "other" {
		t.Fatalf("conflicts = %+v", m.Conflicts)
	}
	if len(m.Entities) != 4 {
		t.Errorf("%d entities, want 4 (UNC4736 and \"unc 4736\" are one)", len(m.Entities))
	}
	if e := m.Find("UNC 4736"); len(e) != 1 || len(e[0].Actors) != 2 {
		t.Errorf("space-insensitive find = %v", e)
	}
}
