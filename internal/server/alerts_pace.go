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
// in flight the worker therefore claims small batches (short
// transactions: an upload waits at most one of them for the writer),
// sends fewer at once, and keeps to a rate, alertBusyRate deliveries a
// second, above the 1,000 a second a fleet's alerts need. When no ingest
// is in flight it runs flat out. (An earlier version waited, before each
// of its writes, up to 20 ms for ingest to stop: on a quiet machine with
// uploads back to back that halved delivery and did not lower the
// uploads' p95, since it waited whatever the cost of its writes.)
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
}

// enter marks one ingest in flight; the returned func ends it (once,
// however often it is called).
func (t *ingestTracker) enter() func() {
	t.n.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			t.last.Store(time.Now().UnixNano())
			t.n.Add(-1)
		})
	}
}

// busy reports whether an ingest is in flight or ended less than
// alertBusyAfter before now.
func (t *ingestTracker) busy(now time.Time) bool {
	return t.n.Load() > 0 || now.UnixNano()-t.last.Load() < int64(alertBusyAfter)
}
