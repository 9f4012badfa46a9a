package server

import (
	"context"
	"runtime"
)

// readGate admits analyst reads (API GETs and UI pages) in arrival order,
// a few at a time. Without it, fifty analysts would all hold a request in
// the database pool's wait set, and database/sql hands a freed connection
// to a random waiter: the mean wait is fair but its tail is not — a cheap
// request could wait for hundreds of others. Queued here, every request
// waits about as long as the ones that came before it, and the engine
// works on no more queries than the cores can run.
type readGate chan struct{}

// newReadGate admits n reads at once; n <= 0 picks 2 × GOMAXPROCS, at
// least 4.
func newReadGate(n int) readGate {
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	return make(readGate, n)
}

// enter waits for a slot in arrival order (goroutines blocked sending on
// a channel are woken first in, first out) or until ctx ends.
func (g readGate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	default:
	}
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g readGate) leave() { <-g }
