package server

import (
	"context"
	"errors"
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
