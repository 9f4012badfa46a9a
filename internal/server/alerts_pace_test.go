package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestIngestTracker: busy while any ingest is in flight and for
// alertBusyAfter after the last one ended, and an ingest ended twice
// counts once.
func TestIngestTracker(t *testing.T) {
	var tr ingestTracker
	if tr.busy(time.Now()) {
		t.Fatal("idle tracker is busy")
	}
	end1, end2 := tr.enter(), tr.enter()
	end1()
	end1() // ending twice counts once
	if !tr.busy(time.Now().Add(time.Hour)) {
		t.Fatal("not busy with an ingest still in flight")
	}
	end2()
	if !tr.busy(time.Now()) {
		t.Fatal("not busy right after an ingest ended (a gap between uploads)")
	}
	if tr.busy(time.Now().Add(alertBusyAfter + time.Millisecond)) {
		t.Fatal("busy after every ingest ended, alertBusyAfter ago")
	}
}

// TestPacer: while ingest runs, claims are spaced at alertBusyRate
// deliveries a second (a round of n waits n/rate after the last), the
// pace carries no debt from an idle spell, and an idle worker never
// waits.
func TestPacer(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var p pacer
	p.claimed(true, t0, alertBusyRate/10) // a tenth of a second's worth
	if want := t0.Add(100 * time.Millisecond); !p.next.Equal(want) {
		t.Fatalf("next %v, want %v", p.next, want)
	}
	p.claimed(true, t0.Add(10*time.Millisecond), alertBusyRate/10)
	if want := t0.Add(200 * time.Millisecond); !p.next.Equal(want) {
		t.Fatalf("back to back: next %v, want %v", p.next, want)
	}
	// Idle: the booked time is forgotten, and the next wait is none.
	start := time.Now()
	p.claimed(false, t0, 1000)
	if !p.next.IsZero() {
		t.Fatalf("idle round left next %v", p.next)
	}
	p.wait(bg, time.Now())
	if d := time.Since(start); d > time.Second {
		t.Errorf("wait after an idle round took %v", d)
	}
	// Late: a round after its slot starts a new one from now.
	p.claimed(true, t0, 0)
	p.claimed(true, t0.Add(time.Second), alertBusyRate/100)
	if want := t0.Add(time.Second + 10*time.Millisecond); !p.next.Equal(want) {
		t.Fatalf("late round: next %v, want %v", p.next, want)
	}
	// A real wait, and one cut short by its context.
	now := time.Now()
	p.next = now.Add(15 * time.Millisecond)
	p.wait(bg, now)
	if d := time.Since(now); d < 15*time.Millisecond {
		t.Errorf("busy wait returned after %v, before its slot", d)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	p.next = time.Now().Add(time.Hour)
	p.wait(ctx, time.Now())
	if time.Since(start) > 10*time.Second {
		t.Error("a cancelled wait did not return")
	}
}

// TestIngestQuiet: quiet returns at once with no ingest in flight, waits
// for the last of several in flight to end, stops at its deadline while
// one is still in flight, and stops when its context ends.
func TestIngestQuiet(t *testing.T) {
	var tr ingestTracker
	long := time.Now().Add(time.Hour)
	start := time.Now()
	tr.quiet(bg, long)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("quiet with nothing in flight took %v", d)
	}
	end1, end2 := tr.enter(), tr.enter()
	done := make(chan struct{})
	go func() { tr.quiet(bg, long); close(done) }()
	end1()
	select {
	case <-done:
		t.Fatal("quiet returned with an ingest still in flight")
	case <-time.After(20 * time.Millisecond):
	}
	end2()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("quiet did not return when the last ingest ended")
	}
	// A new ingest needs a new wait: the closed channel is not reused.
	end3 := tr.enter()
	defer end3()
	start = time.Now()
	tr.quiet(bg, start.Add(15*time.Millisecond))
	if d := time.Since(start); d < 15*time.Millisecond || d > 10*time.Second {
		t.Fatalf("quiet with an ingest in flight returned after %v, want its deadline (15ms)", d)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	start = time.Now()
	tr.quiet(ctx, long)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("quiet with a cancelled context took %v", d)
	}
}

// TestPacedRoundWaitsForIngest: a round while an upload is in flight
// waits for it (here it never ends, so the round takes at least
// alertGateMax) and still sends its batch.
func TestPacedRoundWaitsForIngest(t *testing.T) {
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer recv.Close()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := New(Config{Store: st, AlertAllowLoopback: true, AlertTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddAlertSink(bg, fleet.AlertSink{Name: "t", Kind: fleet.SinkWebhook, Destination: recv.URL, Secret: "k"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h, err := st.EnsureHost(bg, snapshot.Host{ID: "h", Name: "h"}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Ingest(bg, &store.Incoming{HostID: h.ID, UploadID: "u", Kind: store.KindFull, Snapshot: benchSnap("h", 8, now), Received: now}, matchEveryFile); err != nil {
		t.Fatal(err)
	}

	end := s.alerts.ingest.enter() // an upload in flight for the whole round
	start := time.Now()
	n, err := s.alerts.round(bg)
	took := time.Since(start)
	end()
	if err != nil || n != 8 || received.Load() != int64(n) {
		t.Fatalf("busy round: claimed %d (%v), received %d", n, err, received.Load())
	}
	if took < alertGateMax {
		t.Fatalf("busy round took %v with an upload in flight throughout, want at least alertGateMax (%v)", took, alertGateMax)
	}
	if a := s.alerts.paced.Load(); a != 1 {
		t.Fatalf("paced rounds %d, want 1", a)
	}
}
