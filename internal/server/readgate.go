package server

import (
	"context"
	"net/http"
	"runtime"
	"sync"
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
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g readGate) leave() { <-g }

// hold admits r and returns the writer its handler must use and the
// release to defer. The slot is given back when the handler starts its
// answer or returns, whichever comes first: the work a slot bounds is the
// database's and the encoder's, and a client that reads its answer slowly
// then holds its own connection, not a slot every analyst needs.
func (g readGate) hold(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func(), error) {
	if err := g.enter(r.Context()); err != nil {
		return w, func() {}, err
	}
	var once sync.Once
	release := func() { once.Do(g.leave) }
	return &releasingWriter{ResponseWriter: w, release: release}, release, nil
}

// releasingWriter calls release before the first byte of the answer.
type releasingWriter struct {
	http.ResponseWriter
	release func()
}

func (w *releasingWriter) WriteHeader(code int) {
	w.release()
	w.ResponseWriter.WriteHeader(code)
}

func (w *releasingWriter) Write(b []byte) (int, error) {
	w.release()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *releasingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
