package server

import (
	"context"
	"sync"
	"time"
)

// Pacing of the delivery worker against ingest. SQLite has one writer and
// the server a few cores: every transaction or send the worker runs while
// an upload is being stored makes that upload wait. The worker therefore
// steps aside: before each of its writes it waits until no ingest is in
// flight (at most alertYieldMax, so a fleet that uploads without pause
// still gets its alerts), and while ingests are running it claims
// smaller batches (shorter transactions) and sends fewer at once.
const (
	// alertYieldMax bounds one wait for ingest to finish.
	alertYieldMax = 20 * time.Millisecond
	// alertBatchBusy is the claim size while ingest is running.
	alertBatchBusy = 128
	// alertSendsBusy caps concurrent sends while ingest is running.
	alertSendsBusy = 8
)

// ingestTracker counts ingests in flight and lets the worker wait for
// the moment none is.
type ingestTracker struct {
	mu sync.Mutex
	n  int
	// idle is closed when n drops to zero; nil while n is zero.
	idle chan struct{}
}

// enter marks one ingest in flight; the returned func ends it.
func (t *ingestTracker) enter() func() {
	t.mu.Lock()
	if t.n == 0 {
		t.idle = make(chan struct{})
	}
	t.n++
	t.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			t.n--
			if t.n == 0 {
				close(t.idle)
				t.idle = nil
			}
			t.mu.Unlock()
		})
	}
}

// busy reports whether an ingest is in flight.
func (t *ingestTracker) busy() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n > 0
}

// wait returns once no ingest is in flight, max has passed or ctx ended;
// it reports whether it waited at all.
func (t *ingestTracker) wait(ctx context.Context, max time.Duration) bool {
	t.mu.Lock()
	idle := t.idle
	t.mu.Unlock()
	if idle == nil {
		return false
	}
	tm := time.NewTimer(max)
	defer tm.Stop()
	select {
	case <-idle:
	case <-tm.C:
	case <-ctx.Done():
	}
	return true
}
