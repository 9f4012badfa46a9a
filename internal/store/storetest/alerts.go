package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func sinkByName(t *testing.T, s store.Store, name string) fleet.AlertSink {
	t.Helper()
	ks, err := s.AlertSinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no sink %q in %+v", name, ks)
	return fleet.AlertSink{}
}

func deliveries(t *testing.T, s store.Store, q store.DeliveryQuery) []fleet.AlertDelivery {
	t.Helper()
	ds, err := s.Deliveries(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// testAlerts checks the alert outbox: deliveries queued with the findings
// that qualify, once per raise or revival, leased, retried, dead-lettered,
// bounded per sink.
func testAlerts(t *testing.T, h Harness) {
	s := fresh(t, h)
	all, err := s.AddAlertSink(ctx, fleet.AlertSink{Name: "all", Kind: fleet.SinkWebhook, Destination: "https://siem.example/hook", Secret: "k"}, t0)
	if err != nil || all.ID == 0 || !all.HasSecret {
		t.Fatalf("add sink: %+v %v", all, err)
	}
	if _, err := s.AddAlertSink(ctx, fleet.AlertSink{Name: "all", Kind: fleet.SinkSyslog, Destination: "udp://x:514"}, t0); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate sink name: %v", err)
	}
	severe, _ := s.AddAlertSink(ctx, fleet.AlertSink{Name: "severe", Kind: fleet.SinkSyslog, Destination: "udp://x:514", MinLevel: "alert"}, t0)
	small, _ := s.AddAlertSink(ctx, fleet.AlertSink{Name: "small", Kind: fleet.SinkSyslog, Destination: "udp://x:514", Incident: "inc-Y", MaxQueue: 1}, t0)

	a := mustHost(t, s, "a")
	ingest(t, s, a.ID, snap("a", day(0), []string{"X_TRADER@7.17"}, nil), matchSoftware("X_TRADER", 90))
	ingest(t, s, a.ID, snap("a", day(1), []string{"X_TRADER@7.17", "Low@1"}, nil), func(c context.Context, v int64, obs []store.Obs) ([]store.Hit, error) {
		h1, _ := matchSoftware("X_TRADER", 90)(c, v, obs)
		h2, _ := matchSoftware("Low", 30)(c, v, obs)
		return append(h1, h2...), nil
	})
	// all: X_TRADER once (the second ingest confirms it) and Low; severe:
	// X_TRADER only (level alert); small: nothing (another incident).
	if ds := deliveries(t, s, store.DeliveryQuery{SinkID: all.ID}); len(ds) != 2 || ds[0].Event != "new" || ds[0].State != fleet.DeliveryPending {
		t.Fatalf("deliveries to all: %+v", ds)
	}
	ds := deliveries(t, s, store.DeliveryQuery{SinkID: severe.ID})
	if len(ds) != 1 {
		t.Fatalf("deliveries to severe: %+v", ds)
	}
	if f, err := s.Finding(ctx, ds[0].FindingID); err != nil || f.Score != 90 {
		t.Fatalf("severe delivery's finding: %+v %v", f, err)
	}
	if ds := deliveries(t, s, store.DeliveryQuery{SinkID: small.ID}); len(ds) != 0 {
		t.Fatalf("deliveries to small: %+v", ds)
	}

	// Leases: a second worker gets nothing while the first holds them.
	now := day(2)
	got, err := s.ClaimDeliveries(ctx, "w1", now, time.Minute, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %+v %v", got, err)
	}
	if other, err := s.ClaimDeliveries(ctx, "w2", now, time.Minute, 10); err != nil || len(other) != 0 {
		t.Fatalf("claim under lease: %+v %v", other, err)
	}
	d := got[0]
	if err := s.FinishDelivery(ctx, store.DeliveryResult{ID: d.ID, Owner: "w2", At: now, Err: "x"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("finish without the lease: %v", err)
	}
	for _, o := range got[1:] {
		if err := s.FinishDelivery(ctx, store.DeliveryResult{ID: o.ID, Owner: "w1", At: now}); err != nil {
			t.Fatal(err)
		}
	}
	// A failure is retried when due, then dead-lettered.
	if err := s.FinishDelivery(ctx, store.DeliveryResult{ID: d.ID, Owner: "w1", At: now, Err: "connection refused", NextAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if early, _ := s.ClaimDeliveries(ctx, "w2", now.Add(time.Minute), time.Minute, 10); len(early) != 0 {
		t.Fatalf("claimed before due: %+v", early)
	}
	// The lease expired long ago: w2 may take it once due.
	again, err := s.ClaimDeliveries(ctx, "w2", now.Add(2*time.Hour), time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].ID != d.ID || again[0].Attempts != 1 || again[0].LastError != "connection refused" {
		t.Fatalf("claim retry: %+v %v", again, err)
	}
	if err := s.FinishDelivery(ctx, store.DeliveryResult{ID: d.ID, Owner: "w2", At: now.Add(2 * time.Hour), Err: "timeout", Dead: true}); err != nil {
		t.Fatal(err)
	}
	dead := deliveries(t, s, store.DeliveryQuery{State: fleet.DeliveryDead})
	if len(dead) != 1 || dead[0].ID != d.ID || dead[0].Attempts != 2 || len(dead[0].History) != 2 || dead[0].History[1].Error != "timeout" || dead[0].History[0].OK {
		t.Fatalf("dead letters: %+v", dead)
	}
	if sent := deliveries(t, s, store.DeliveryQuery{State: fleet.DeliverySent}); len(sent) != 2 || !sent[0].History[0].OK {
		t.Fatalf("sent: %+v", sent)
	}
	if k := sinkByName(t, s, d.SinkName); k.Dead != 1 {
		t.Fatalf("sink counts: %+v", k)
	}
	if err := s.RetryDelivery(ctx, d.ID, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryDelivery(ctx, d.ID, now.Add(3*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("retry of a pending delivery: %v", err)
	}
	if back, _ := s.ClaimDeliveries(ctx, "w1", now.Add(3*time.Hour), time.Minute, 10); len(back) != 1 || back[0].ID != d.ID {
		t.Fatalf("claim after retry: %+v", back)
	}

	// Revival: a resolved finding whose evidence comes back alerts again.
	x := deliveries(t, s, store.DeliveryQuery{SinkID: severe.ID})[0].FindingID
	if _, err := s.SetFindingState(ctx, x, fleet.StateResolved, "reimaged", "alice", day(3)); err != nil {
		t.Fatal(err)
	}
	ingest(t, s, a.ID, snap("a", day(4), nil, nil), matchSoftware("X_TRADER", 90))
	ingest(t, s, a.ID, snap("a", day(5), []string{"X_TRADER@7.17"}, nil), matchSoftware("X_TRADER", 90))
	ds = deliveries(t, s, store.DeliveryQuery{SinkID: severe.ID})
	if len(ds) != 2 || ds[0].Event != "revived" || ds[0].FindingID != x {
		t.Fatalf("revival deliveries: %+v", ds)
	}

	// Bound: small takes one pending delivery; the rest overflow.
	for _, uid := range []string{"b", "c", "d"} {
		hh := mustHost(t, s, uid)
		ingest(t, s, hh.ID, snap(uid, day(6), []string{"Y@1"}, nil), matchSoftware("Y", 50))
	}
	if k := sinkByName(t, s, "small"); k.Pending != 1 || k.Overflow != 2 {
		t.Fatalf("bounded sink: %+v", k)
	}
	if k := sinkByName(t, s, "all"); k.Secret != "k" || k.Overflow != 0 {
		t.Fatalf("sink all: %+v", k)
	}
	// Deleting a sink drops its queue.
	if err := s.DeleteAlertSink(ctx, all.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAlertSink(ctx, all.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if ds := deliveries(t, s, store.DeliveryQuery{SinkID: all.ID}); len(ds) != 0 {
		t.Fatalf("deliveries of a deleted sink: %+v", ds)
	}
}

// testAlertQueueBound checks a sink's bound across uploads that reuse the
// store's estimate of its queue rather than counting it: deliveries sent
// meanwhile free room the estimate does not see, and the bound still
// holds exactly once the queue nears it.
func testAlertQueueBound(t *testing.T, h Harness) {
	s := fresh(t, h)
	if _, err := s.AddAlertSink(ctx, fleet.AlertSink{Name: "b", Kind: fleet.SinkSyslog, Destination: "udp://x:514", MaxQueue: 40}, t0); err != nil {
		t.Fatal(err)
	}
	five := []string{"P1@1", "P2@1", "P3@1", "P4@1", "P5@1"}
	match := func(c context.Context, v int64, obs []store.Obs) ([]store.Hit, error) {
		var all []store.Hit
		for _, sw := range five {
			hs, _ := matchSoftware(sw[:2], 50)(c, v, obs)
			all = append(all, hs...)
		}
		return all, nil
	}
	hosts := 0
	upload := func(n int) {
		for range n {
			hosts++
			uid := fmt.Sprintf("q%02d", hosts)
			hh := mustHost(t, s, uid)
			ingest(t, s, hh.ID, snap(uid, day(1), five, nil), match)
		}
	}
	check := func(step string, pending int, overflow int64) {
		t.Helper()
		if got := sinkByName(t, s, "b"); got.Pending != pending || got.Overflow != overflow {
			t.Fatalf("%s: pending %d overflow %d, want %d and %d", step, got.Pending, got.Overflow, pending, overflow)
		}
	}
	upload(4)
	check("20 queued", 20, 0)
	got, err := s.ClaimDeliveries(ctx, "w", day(2), time.Minute, 10)
	if err != nil || len(got) != 10 {
		t.Fatalf("claim: %d %v", len(got), err)
	}
	for _, d := range got {
		if err := s.FinishDelivery(ctx, store.DeliveryResult{ID: d.ID, Owner: "w", At: day(2)}); err != nil {
			t.Fatal(err)
		}
	}
	upload(4) // 30 pending: the sent ten left room the estimate did not see
	check("10 sent, 20 more queued", 30, 0)
	upload(3) // 15 more, room for 10
	check("at the bound", 40, 5)
	upload(1)
	check("full", 40, 10)
}
