package storetest

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func testFindings(t *testing.T, h Harness) {
	s := fresh(t, h)
	a := mustHost(t, s, "a")
	b := mustHost(t, s, "b")
	m := matchSoftware("X_TRADER", 90)
	r := ingest(t, s, a.ID, snap("a", day(0), []string{"X_TRADER@7.17"}, nil), m)
	if r.Findings != 1 {
		t.Fatalf("findings from first snapshot = %d", r.Findings)
	}
	ingest(t, s, a.ID, snap("a", day(3), []string{"X_TRADER@7.17"}, nil), m)
	ingest(t, s, b.ID, snap("b", day(0), []string{"X_TRADER@7.17", "Other@1"}, nil), m)
	_, total, err := s.ListFindings(ctx, store.FindingQuery{})
	if err != nil || total != 2 {
		t.Fatalf("findings: %d %v", total, err)
	}
	fa, _, _ := s.ListFindings(ctx, store.FindingQuery{HostID: a.ID})
	if len(fa) != 1 || !fa[0].Present || fa[0].State != fleet.StateNew || fa[0].Origin != "snapshot" {
		t.Fatalf("finding on a: %+v", fa)
	}
	sameTime(t, "present finding last seen", fa[0].LastSeen, day(3))
	sameTime(t, "finding first seen", fa[0].FirstSeen, day(0))
	// X_TRADER removed on a: the window closes.
	ingest(t, s, a.ID, snap("a", day(7), nil, nil), m)
	f, err := s.Finding(ctx, fa[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Present {
		t.Fatal("finding still present after removal")
	}
	sameTime(t, "closed window last seen", f.LastSeen, day(3))
	sameTime(t, "closed window first seen", f.FirstSeen, day(0))
	ev, err := s.FindingEvidence(ctx, f.ID)
	if err != nil || len(ev) != 1 || ev[0].Software == nil || ev[0].Present {
		t.Fatalf("evidence: %+v %v", ev, err)
	}
	incs, err := s.Incidents(ctx)
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %+v %v", incs, err)
	}
	if in := incs[0]; in.ID != "inc-X_TRADER" || in.HostsEver != 2 || in.HostsNow != 1 || in.Findings != 2 || in.MaxScore != 90 {
		t.Fatalf("incident summary: %+v", in)
	}
	sameTime(t, "incident first seen", incs[0].FirstSeen, day(0))
	// Triage.
	_, err = s.SetFindingState(ctx, f.ID, "bogus", "", "alice", day(8))
	if err == nil {
		t.Fatal("bogus state accepted")
	}
	got, err := s.SetFindingState(ctx, f.ID, fleet.StateResolved, "reimaged", "alice", day(8))
	if err != nil || got.State != fleet.StateResolved || got.StateBy != "alice" || got.StateReason != "reimaged" {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	fb, _, _ := s.ListFindings(ctx, store.FindingQuery{HostID: b.ID})
	if _, err := s.SetFindingState(ctx, fb[0].ID, fleet.StateFalsePositive, "lab machine", "bob", day(8)); err != nil {
		t.Fatal(err)
	}
	if incs, _ := s.Incidents(ctx); len(incs) != 1 || incs[0].HostsEver != 1 || incs[0].HostsNow != 0 {
		t.Fatalf("incidents after a false positive: %+v", incs)
	}
	open, _, _ := s.ListFindings(ctx, store.FindingQuery{States: []string{fleet.StateNew, fleet.StateAcknowledged}})
	if len(open) != 0 {
		t.Fatalf("open findings = %d", len(open))
	}
	// The evidence comes back: the resolved finding reopens.
	ingest(t, s, a.ID, snap("a", day(10), []string{"X_TRADER@7.17"}, nil), m)
	got, _ = s.Finding(ctx, f.ID)
	if got.State != fleet.StateNew || !got.Present {
		t.Fatalf("finding after reinstall: state %s present %v", got.State, got.Present)
	}
	sameTime(t, "reopened window first seen", got.FirstSeen, day(0))
	events, err := s.FindingEvents(ctx, f.ID)
	if err != nil || len(events) != 2 || events[0].To != fleet.StateResolved || events[1].To != fleet.StateNew {
		t.Fatalf("events: %+v %v", events, err)
	}
	if hs, _ := s.Host(ctx, a.ID); hs.OpenFindings != 1 {
		t.Fatalf("open findings on host = %d", hs.OpenFindings)
	}
	_, err = s.Finding(ctx, "missing")
	wantErr(t, err, store.ErrNotFound)
}
