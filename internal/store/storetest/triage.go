package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// testTriage checks assignments, notes and bulk state changes.
func testTriage(t *testing.T, h Harness) {
	s := fresh(t, h)
	var ids []string
	for _, uid := range []string{"a", "b", "c"} {
		hh := mustHost(t, s, uid)
		ingest(t, s, hh.ID, snap(uid, day(0), []string{"X_TRADER@7.17"}, nil), matchSoftware("X_TRADER", 90))
	}
	fs, _, err := s.ListFindings(ctx, store.FindingQuery{})
	if err != nil || len(fs) != 3 {
		t.Fatalf("findings: %+v %v", fs, err)
	}
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	slices.Sort(ids)

	// Assign, reassign, filter by assignee, unassign.
	if _, err := s.Assign(ctx, fleet.SubjectFinding, "no-such", "alice", "lead", day(1)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("assign an unknown finding: %v", err)
	}
	a, err := s.Assign(ctx, fleet.SubjectFinding, ids[0], "alice", "lead", day(1))
	if err != nil || a.Assignee != "alice" || a.By != "lead" {
		t.Fatalf("assign: %+v %v", a, err)
	}
	s.Assign(ctx, fleet.SubjectFinding, ids[1], "alice", "lead", day(1))
	s.Assign(ctx, fleet.SubjectFinding, ids[1], "bob", "lead", day(2))
	if got, _, err := s.ListFindings(ctx, store.FindingQuery{Assignee: "alice"}); err != nil || len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("alice's findings: %+v %v", got, err)
	}
	as, err := s.Assignments(ctx, fleet.SubjectFinding, ids)
	if err != nil || len(as) != 2 || as[ids[1]].Assignee != "bob" || !as[ids[1]].At.Equal(day(2)) {
		t.Fatalf("assignments: %+v %v", as, err)
	}
	if _, err := s.Assign(ctx, fleet.SubjectFinding, ids[1], "", "lead", day(3)); err != nil {
		t.Fatal(err)
	}
	if as, _ := s.Assignments(ctx, fleet.SubjectFinding, ids); len(as) != 1 {
		t.Fatalf("after unassign: %+v", as)
	}
	// Incidents are assigned by id; notes of a finding and an incident of
	// the same id do not mix.
	if _, err := s.Assign(ctx, fleet.SubjectIncident, "3cx", "carol", "lead", day(1)); err != nil {
		t.Fatal(err)
	}
	if as, _ := s.Assignments(ctx, fleet.SubjectIncident, []string{"3cx", "other"}); as["3cx"].Assignee != "carol" || len(as) != 1 {
		t.Fatalf("incident assignment: %+v", as)
	}

	// Comments keep author, time and text, in order, with the assignment
	// changes.
	if _, err := s.AddComment(ctx, fleet.SubjectFinding, "no-such", "x", "y", day(1)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("comment on an unknown finding: %v", err)
	}
	c, err := s.AddComment(ctx, fleet.SubjectFinding, ids[1], "alice", "checked the installer's signature", day(4))
	if err != nil || c.ID == 0 || c.Type != fleet.NoteComment {
		t.Fatalf("comment: %+v %v", c, err)
	}
	notes, err := s.TriageNotes(ctx, fleet.SubjectFinding, ids[1])
	if err != nil || len(notes) != 4 {
		t.Fatalf("notes: %+v %v", notes, err)
	}
	want := []string{"assign alice", "assign bob", "assign ", "comment checked the installer's signature"}
	for i, n := range notes {
		if got := n.Type + " " + n.Text; got != want[i] {
			t.Errorf("note %d = %q, want %q", i, got, want[i])
		}
	}
	if !notes[3].At.Equal(day(4)) || notes[3].Author != "alice" {
		t.Errorf("comment note: %+v", notes[3])
	}
	if n, _ := s.TriageNotes(ctx, fleet.SubjectIncident, ids[1]); len(n) != 0 {
		t.Errorf("an incident named like a finding has its notes: %+v", n)
	}
	// A subject's notes are bounded.
	for i := range fleet.MaxNotes - 1 {
		if _, err := s.AddComment(ctx, fleet.SubjectIncident, "busy", "bot", strings.Repeat("x", i%7), day(5)); err != nil {
			t.Fatal(err)
		}
	}
	s.Assign(ctx, fleet.SubjectIncident, "busy", "dave", "lead", day(5))
	if _, err := s.AddComment(ctx, fleet.SubjectIncident, "busy", "bot", "one too many", day(5)); !errors.Is(err, store.ErrTooMany) {
		t.Fatalf("comment past the bound: %v", err)
	}

	// Bulk: all or nothing, one event per changed finding.
	s.SetFindingState(ctx, ids[2], fleet.StateAcknowledged, "", "bob", day(5))
	if _, _, err := s.SetFindingsState(ctx, []string{ids[0], "no-such"}, fleet.StateResolved, "reimaged", "lead", day(6)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bulk with an unknown id: %v", err)
	}
	if f, _ := s.Finding(ctx, ids[0]); f.State != fleet.StateNew {
		t.Fatalf("a failed bulk change changed %s: %s", ids[0], f.State)
	}
	changed, unchanged, err := s.SetFindingsState(ctx, []string{ids[2], ids[1], ids[0], ids[0]}, fleet.StateAcknowledged, "triage sweep", "lead", day(6))
	if err != nil || !slices.Equal(changed, ids[:2]) || !slices.Equal(unchanged, ids[2:]) {
		t.Fatalf("bulk: changed %v unchanged %v %v", changed, unchanged, err)
	}
	for _, id := range ids[:2] {
		ev, _ := s.FindingEvents(ctx, id)
		if len(ev) != 1 || ev[0].To != fleet.StateAcknowledged || ev[0].Reason != "triage sweep" || ev[0].Actor != "lead" {
			t.Fatalf("events of %s: %+v", id, ev)
		}
	}
}

// testFinishDeliveries checks recording a round's attempts at once: sent,
// retried, dead, and one whose lease another worker holds.
func testFinishDeliveries(t *testing.T, h Harness) {
	s := fresh(t, h)
	if _, err := s.AddAlertSink(ctx, fleet.AlertSink{Name: "all", Kind: fleet.SinkWebhook, Destination: "https://siem.example/hook"}, t0); err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{"a", "b", "c", "d"} {
		hh := mustHost(t, s, uid)
		ingest(t, s, hh.ID, snap(uid, day(0), []string{"X_TRADER@7.17"}, nil), matchSoftware("X_TRADER", 90))
	}
	if ks, err := s.AlertSinkConfigs(ctx); err != nil || len(ks) != 1 || ks[0].Name != "all" || ks[0].Pending != 0 {
		t.Fatalf("sink configs: %+v %v", ks, err)
	}
	all, _, _ := s.ListFindings(ctx, store.FindingQuery{})
	byID, err := s.FindingsByID(ctx, []string{all[0].ID, all[1].ID, "no-such"})
	if err != nil || len(byID) != 2 || byID[all[1].ID].HostUID != all[1].HostUID || byID[all[0].ID].Title != all[0].Title {
		t.Fatalf("findings by id: %+v %v", byID, err)
	}
	now := day(1)
	got, err := s.ClaimDeliveries(ctx, "w1", now, time.Minute, 3)
	if err != nil || len(got) != 3 || got[0].SinkName != "all" || got[0].ID > got[1].ID {
		t.Fatalf("claim: %+v %v", got, err)
	}
	rest, err := s.ClaimDeliveries(ctx, "w2", now, time.Minute, 10)
	if err != nil || len(rest) != 1 {
		t.Fatalf("claim the rest: %+v %v", rest, err)
	}
	errs, err := s.FinishDeliveries(ctx, []store.DeliveryResult{
		{ID: got[0].ID, Owner: "w1", At: now},
		{ID: got[1].ID, Owner: "w1", At: now, Err: "refused", NextAt: now.Add(time.Hour)},
		{ID: got[2].ID, Owner: "w1", At: now, Err: "gone", Dead: true},
		{ID: rest[0].ID, Owner: "w1", At: now}, // w2 holds it
	})
	if err != nil || len(errs) != 4 || errs[0] != nil || errs[1] != nil || errs[2] != nil || !errors.Is(errs[3], store.ErrConflict) {
		t.Fatalf("finish: %v %v", errs, err)
	}
	byState := map[string][]int64{}
	for _, d := range deliveries(t, s, store.DeliveryQuery{}) {
		byState[d.State] = append(byState[d.State], d.ID)
		if d.ID == rest[0].ID && len(d.History) != 0 {
			t.Errorf("an attempt was recorded without the lease: %+v", d)
		}
		if d.ID == got[1].ID && (d.Attempts != 1 || d.LastError != "refused" || !d.NextAt.Equal(now.Add(time.Hour)) || len(d.History) != 1) {
			t.Errorf("retried delivery: %+v", d)
		}
	}
	if len(byState[fleet.DeliverySent]) != 1 || len(byState[fleet.DeliveryDead]) != 1 || len(byState[fleet.DeliveryPending]) != 2 {
		t.Fatalf("states: %v", byState)
	}
	if errs, err := s.FinishDeliveries(ctx, []store.DeliveryResult{{ID: rest[0].ID, Owner: "w2", At: now}}); err != nil || errs[0] != nil {
		t.Fatalf("finish by the holder: %v %v", errs, err)
	}
}
