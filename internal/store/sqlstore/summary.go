package sqlstore

import (
	"sync"
	"time"
)

// summaryMaxAge bounds how old a cached fleet-wide summary may be. Within
// one process a summary is recomputed after writes commit (see
// summaryCache); the age bound covers writes by other replicas sharing
// the database, which this process cannot see.
const summaryMaxAge = time.Second

// summaryCache holds fleet-wide summaries by key: the incident overview
// (every finding grouped, joined to its host; every analyst's landing
// page asks for it) and the totals of list pages (how many hosts, how
// many findings match a page's filter; every page of hosts or findings
// asks for one).
//
// Writes come in two kinds (writeCounts):
//   - an analyst's or admin's own change (triage, roles, intel, a new
//     host): a summary computed before it is not served again; callers
//     wait for one computed after it, one computation at a time;
//   - background work (uploads, hunt batches, leases): a summary computed
//     before it is still served, to every caller but one, which computes
//     it again. A fleet uploads all the time: with these treated like the
//     first kind, every upload made the next fifty analysts queue behind
//     one recomputation (on PostgreSQL at 40M observations the overview
//     was being recomputed a fifth of the time, and the queued requests
//     held the read slots every other analyst needed).
//
// Whatever the writes, a summary older than the maximum age is not served:
// past half of it one caller computes it again while the others are served
// the current one, so steady traffic never waits for it.
type summaryCache[V any] struct {
	maxAge time.Duration // 0: summaryMaxAge
	size   int           // distinct keys kept; 0: summaryCacheSize
	mu     sync.Mutex
	m      map[string]*summaryEntry[V]
}

type summaryEntry[V any] struct {
	val        V
	ok         bool
	hard, soft uint64        // the write counts when it was computed
	at         time.Time     // when its computation started
	computing  chan struct{} // closed when the computation in flight ends
}

// writeCounts are a store's committed writes of each kind so far.
type writeCounts struct{ hard, soft uint64 }

// summaryCacheSize bounds the distinct keys kept; when full it starts over.
const summaryCacheSize = 1024

// get returns the summary under key, computing it with fill when the
// cached one may not be served (see summaryCache). counts is read before
// fill runs, so a write committing during fill leaves the result stale.
// A failed computation is returned as an error, never hidden behind the
// previous value.
func (c *summaryCache[V]) get(key string, counts func() writeCounts, fill func() (V, error)) (V, error) {
	maxAge, size := c.maxAge, c.size
	if maxAge == 0 {
		maxAge = summaryMaxAge
	}
	if size == 0 {
		size = summaryCacheSize
	}
	for {
		w := counts()
		c.mu.Lock()
		e := c.m[key]
		if e == nil {
			if c.m == nil || len(c.m) >= size {
				c.m = make(map[string]*summaryEntry[V])
			}
			e = &summaryEntry[V]{}
			c.m[key] = e
		}
		age := time.Since(e.at)
		servable := e.ok && e.hard == w.hard && age < maxAge
		if servable && ((e.soft == w.soft && age < maxAge/2) || e.computing != nil) {
			v := e.val
			c.mu.Unlock()
			return v, nil
		}
		if !servable && e.computing != nil {
			ch := e.computing
			c.mu.Unlock()
			<-ch // then look again: it may have failed, or a write come after it
			continue
		}
		ch := make(chan struct{})
		e.computing = ch
		c.mu.Unlock()
		start := time.Now()
		v, err := fill()
		c.mu.Lock()
		e.computing = nil
		close(ch)
		if err == nil {
			e.val, e.ok, e.hard, e.soft, e.at = v, true, w.hard, w.soft, start
		}
		c.mu.Unlock()
		return v, err
	}
}
