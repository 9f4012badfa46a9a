package storetest

import (
	"errors"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// testYARAHunts checks the signing key's first-writer-wins storage and a
// hunt's life: created and signed in one transaction, handed out oldest
// first, started once, finished once, canceled.
func testYARAHunts(t *testing.T, h Harness) {
	s := fresh(t, h)
	k1, err := s.ServerKey(ctx, "yara_hunt_key", "first")
	if err != nil || k1 != "first" {
		t.Fatalf("server key: %q %v", k1, err)
	}
	if k2, err := s.ServerKey(ctx, "yara_hunt_key", "second"); err != nil || k2 != "first" {
		t.Fatalf("server key again: %q %v, want the first", k2, err)
	}
	a, b := mustHost(t, s, "a"), mustHost(t, s, "b")
	create := func(text string, hosts ...int64) fleet.YARAHunt {
		t.Helper()
		rules := []fleet.YARAHuntRule{{Indicator: "yara-hunt", Text: text}}
		got, err := s.CreateYARAHunt(ctx, fleet.YARAHunt{Created: day(1), Creator: "admin", Rules: rules,
			Fingerprint: fleet.YARARulesFingerprint(rules), Scope: fleet.YARAHuntScope{Hosts: hosts}}, hosts,
			func(y *fleet.YARAHunt) error {
				if y.ID == 0 {
					return errors.New("signed before the id is known")
				}
				y.KeyID, y.Signature = "k1", []byte{byte(y.ID), 0xff}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	h1 := create("rule one { condition: true }", a.ID, b.ID)
	h2 := create("rule two { condition: true }", a.ID)
	got, err := s.YARAHunt(ctx, h1.ID)
	if err != nil || got.KeyID != "k1" || len(got.Signature) != 2 || got.Signature[0] != byte(h1.ID) ||
		len(got.Rules) != 1 || got.Rules[0].Text != "rule one { condition: true }" || len(got.Hosts) != 2 || !got.Created.Equal(day(1)) {
		t.Fatalf("hunt: %+v %v", got, err)
	}
	for _, x := range got.Hosts {
		if x.State != fleet.YARAHuntAsked || !x.AskedAt.Equal(day(1)) {
			t.Errorf("new row: %+v", x)
		}
	}
	if _, err := s.YARAHunt(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hunt: %v", err)
	}
	list, err := s.YARAHunts(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != h2.ID || list[1].ID != h1.ID || len(list[1].Hosts) != 2 ||
		len(list[0].Hosts) != 1 || list[0].Hosts[0].HostID != a.ID || list[1].Hosts[0].HostID != min(a.ID, b.ID) {
		t.Fatalf("list: %+v %v", list, err)
	}

	// Host a: the oldest open hunt first, one at a time.
	p, err := s.PendingYARAHunt(ctx, a.ID, day(2))
	if err != nil || p == nil || p.ID != h1.ID || len(p.Rules) != 1 || len(p.Signature) != 2 {
		t.Fatalf("pending: %+v %v", p, err)
	}
	if err := s.StartYARAHunt(ctx, h1.ID, a.ID, day(2)); err != nil {
		t.Fatal(err)
	}
	if err := s.StartYARAHunt(ctx, h1.ID, a.ID, day(2)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("started twice: %v", err)
	}
	if p, _ := s.PendingYARAHunt(ctx, a.ID, day(3)); p == nil || p.ID != h1.ID {
		t.Errorf("a running hunt is handed out again until its result: %+v", p)
	}
	fin := store.YARAHuntFinish{HuntID: h1.ID, HostID: a.ID, State: fleet.YARAHuntDone, Matches: 2, Unrecorded: 1, Scanned: 40, Errors: 1, Skipped: 3, Now: day(4)}
	if err := s.FinishYARAHunt(ctx, fin); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishYARAHunt(ctx, fin); !errors.Is(err, store.ErrConflict) {
		t.Errorf("finished twice: %v", err)
	}
	if err := s.FinishYARAHunt(ctx, store.YARAHuntFinish{HuntID: h2.ID, HostID: b.ID, State: fleet.YARAHuntDone, Now: day(4)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a host the hunt did not ask: %v", err)
	}
	got, _ = s.YARAHunt(ctx, h1.ID)
	for _, x := range got.Hosts {
		switch x.HostID {
		case a.ID:
			if x.State != fleet.YARAHuntDone || x.Matches != 2 || x.Unrecorded != 1 || x.Scanned != 40 || x.Errors != 1 || x.Skipped != 3 ||
				!x.PickedAt.Equal(day(2)) || !x.DoneAt.Equal(day(4)) || !x.PolledAt.Equal(day(3)) || x.HostName != a.Name {
				t.Errorf("host a: %+v", x)
			}
		case b.ID:
			if x.State != fleet.YARAHuntAsked || !x.PolledAt.IsZero() {
				t.Errorf("host b: %+v", x)
			}
		}
	}
	// Then the next one; a failure keeps its error.
	if p, _ := s.PendingYARAHunt(ctx, a.ID, day(5)); p == nil || p.ID != h2.ID {
		t.Fatalf("next pending: %+v", p)
	}
	if err := s.FinishYARAHunt(ctx, store.YARAHuntFinish{HuntID: h2.ID, HostID: a.ID, State: fleet.YARAHuntFailed, Error: "refused: bad signature", Now: day(5)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.YARAHunt(ctx, h2.ID); got.Hosts[0].State != fleet.YARAHuntFailed || got.Hosts[0].Error != "refused: bad signature" {
		t.Errorf("failed row: %+v", got.Hosts)
	}
	if p, err := s.PendingYARAHunt(ctx, a.ID, day(6)); p != nil || err != nil {
		t.Errorf("nothing left for a: %+v %v", p, err)
	}
	// A canceled hunt is no longer handed out.
	if err := s.CancelYARAHunt(ctx, h1.ID, day(6)); err != nil {
		t.Fatal(err)
	}
	if p, err := s.PendingYARAHunt(ctx, b.ID, day(6)); p != nil || err != nil {
		t.Errorf("canceled hunt handed out: %+v %v", p, err)
	}
	if err := s.CancelYARAHunt(ctx, h1.ID, day(7)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("canceled twice: %v", err)
	}
	if got, _ := s.YARAHunt(ctx, h1.ID); !got.Canceled.Equal(day(6)) {
		t.Errorf("canceled at %v", got.Canceled)
	}
}
