package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pacing of the delivery worker against ingest. SQLite has one writer and
// the server a few cores: every transaction or send the worker runs while
// an upload is being stored can make that upload wait. While ingests are
// busy (in flight, or one ended less than alertBusyAfter ago) the worker
// therefore claims small batches (short transactions), sends fewer at
// once, and keeps to a rate, alertBusyRate deliveries a second, above the
// 1,000 a second a fleet's alerts need; and before each of its steps (the
// claim, each send, the record) it waits for the uploads in flight to
// end, up to alertGateMax over the round, so that at a fleet's pace its
// work falls in the gaps between uploads, and with uploads back to back
// it still delivers. When no ingest is busy it runs flat out. (A version
// that waited up to 20 ms before each write, with no bound per round,
// halved delivery with uploads back to back.)
const (
	// alertBatchBusy is the claim size while ingest is running.
	alertBatchBusy = 64
	// alertSendsBusy caps concurrent sends while ingest is running: with
	// GOMAXPROCS 2, more runnable senders than that queue the upload's
	// goroutine behind them each time it is preempted. It caps CPU, not
	// throughput to a slow remote sink: a fleet's uploads leave the
	// worker idle gaps, in which it sends alertSends at once.
	alertSendsBusy = 2
	// alertBusyRate is the delivery rate kept while ingest is running.
	alertBusyRate = 1200
	// alertBusyAfter is how long after the last ingest ended the worker
	// still keeps to the pace: uploads back to back leave gaps of
	// microseconds, which must not count as idle.
	alertBusyAfter = 100 * time.Millisecond
	// alertGateMax bounds how long a busy round waits, over all its
	// steps, for uploads in flight to end (an upload of a fleet's takes
	// a few ms): with uploads back to back a round of alertBatchBusy then
	// takes about this plus its own work (10-15 ms), under the 53 ms its
	// pace allows it.
	alertGateMax = 25 * time.Millisecond
)

// pacer spaces the worker's rounds to a rate while ingest runs.
type pacer struct {
	next time.Time // when the next round may claim
}

// wait returns once a busy round may claim (or ctx ends).
func (p *pacer) wait(ctx context.Context, now time.Time) {
	if !p.next.After(now) {
		return
	}
	t := time.NewTimer(p.next.Sub(now))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// claimed books n deliveries claimed at now against the rate.
func (p *pacer) claimed(busy bool, now time.Time, n int) {
	if !busy {
		p.next = time.Time{}
		return
	}
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(n) * time.Second / alertBusyRate)
}

// ingestTracker counts ingests in flight and when the last one ended.
type ingestTracker struct {
	n    atomic.Int64
	last atomic.Int64 // UnixNano when an ingest last ended
	mu   sync.Mutex
	idle chan struct{} // closed when the ingests in flight have ended; nil when none is
}

// enter marks one ingest in flight; the returned func ends it (once,
// however often it is called).
func (t *ingestTracker) enter() func() {
	t.mu.Lock()
	if t.n.Add(1) == 1 {
		t.idle = make(chan struct{})
	}
	t.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			t.last.Store(time.Now().UnixNano())
			if t.n.Add(-1) == 0 {
				close(t.idle)
				t.idle = nil
			}
			t.mu.Unlock()
		})
	}
}

// quiet returns once no ingest is in flight, at deadline, or when ctx
// ends, whichever comes first.
func (t *ingestTracker) quiet(ctx context.Context, deadline time.Time) {
	t.mu.Lock()
	c := t.idle
	t.mu.Unlock()
	d := time.Until(deadline)
	if c == nil || d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-c:
	case <-tm.C:
	case <-ctx.Done():
	}
}

// busy reports whether an ingest is in flight or ended less than
// alertBusyAfter before now.
func (t *ingestTracker) busy(now time.Time) bool {
	return t.n.Load() > 0 || now.UnixNano()-t.last.Load() < int64(alertBusyAfter)
}
