package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestReadGate: reads beyond the gate's size wait and are admitted in
// the order they came; a reader whose request ends while it waits leaves
// without taking a slot.
func TestReadGate(t *testing.T) {
	g := newReadGate(1)
	ctx := context.Background()
	if err := g.enter(ctx); err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 5)
	for i := range 5 {
		go func() {
			if err := g.enter(ctx); err != nil {
				t.Error(err)
				return
			}
			order <- i
		}()
		time.Sleep(20 * time.Millisecond) // queued before the next one
	}
	cctx, cancel := context.WithCancel(ctx)
	gave := make(chan error)
	go func() { gave <- g.enter(cctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-gave; !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiting reader whose request ended: %v", err)
	}
	for want := range 5 {
		g.leave()
		select {
		case got := <-order:
			if got != want {
				t.Fatalf("admitted reader %d, want %d (arrival order)", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("reader %d never admitted", want)
		}
	}
	if n := len(g); n != 1 {
		t.Fatalf("%d slots held at the end, want 1 (the last reader's)", n)
	}
	if d := cap(newReadGate(0)); d < 4 {
		t.Fatalf("default gate admits %d, want at least 4", d)
	}
}

// TestReadGateReleasesOnAnswer: a read's slot is given back when its
// answer starts, so a client slow to read it holds no slot; releasing
// again when the handler returns gives back nothing more.
func TestReadGateReleasesOnAnswer(t *testing.T) {
	for _, start := range []struct {
		name string
		fn   func(w http.ResponseWriter)
	}{
		{"WriteHeader", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }},
		{"Write", func(w http.ResponseWriter) { w.Write([]byte("{}")) }},
		{"nothing written", func(http.ResponseWriter) {}},
	} {
		g := newReadGate(2)
		rec := httptest.NewRecorder()
		w, release, err := g.hold(rec, httptest.NewRequest("GET", "/api/v1/hosts", nil))
		if err != nil || len(g) != 1 {
			t.Fatalf("%s: hold: %v, %d slots taken", start.name, err, len(g))
		}
		start.fn(w)
		if want := map[bool]int{true: 1, false: 0}[start.name == "nothing written"]; len(g) != want {
			t.Errorf("%s: %d slots taken once the answer started, want %d", start.name, len(g), want)
		}
		release()
		release()
		if len(g) != 0 {
			t.Errorf("%s: %d slots taken after release", start.name, len(g))
		}
		if rc := http.NewResponseController(w); rc.Flush() != nil {
			t.Errorf("%s: the wrapped writer does not reach the recorder's Flush", start.name)
		}
	}
}
