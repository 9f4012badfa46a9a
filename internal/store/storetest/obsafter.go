package storetest

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// testObservationsAfter: the fleet-wide walk pages by id, across hosts,
// and keeps observations that are gone with their intervals.
func testObservationsAfter(t *testing.T, h Harness) {
	s := fresh(t, h)
	a, b := mustHost(t, s, "uid-a"), mustHost(t, s, "uid-b")
	ingest(t, s, a.ID, snap("uid-a", day(1), []string{"One@1", "Two@2"}, nil), nil)
	ingest(t, s, b.ID, snap("uid-b", day(2), []string{"Three@3"}, nil), nil)
	ingest(t, s, a.ID, snap("uid-a", day(3), []string{"Two@2"}, nil), nil)
	var all []store.Obs
	for after := int64(0); ; {
		page, err := s.ObservationsAfter(ctx, fleet.ObsSoftware, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	got := map[string]store.Obs{}
	for i, o := range all {
		if i > 0 && o.ID <= all[i-1].ID {
			t.Errorf("ids out of order: %d after %d", o.ID, all[i-1].ID)
		}
		got[o.HostUID+"/"+o.Software.Name] = o
	}
	if len(got) != 3 {
		t.Fatalf("walk found %d observations (%v), want 3", len(got), got)
	}
	one := got["uid-a/One"]
	if one.Present || !one.GoneAt.Equal(day(3)) || !one.FirstSeen.Equal(day(1)) {
		t.Errorf("gone One: present %v, first %v, gone %v", one.Present, one.FirstSeen, one.GoneAt)
	}
	if two := got["uid-a/Two"]; !two.Present || !two.LastSeen.Equal(day(3)) || two.HostName != "name-uid-a" {
		t.Errorf("Two: present %v, last %v, host %q", two.Present, two.LastSeen, two.HostName)
	}
	if _, err := s.ObservationsAfter(ctx, "nope", 0, 0); err == nil {
		t.Error("unknown kind accepted")
	}
}
