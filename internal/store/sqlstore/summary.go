package sqlstore

import (
	"slices"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// summaryMaxAge bounds how old a cached fleet-wide summary may be. Within
// one process a summary is recomputed after any write commits; the age
// bound covers writes by other replicas sharing the database, which this
// process cannot see.
const summaryMaxAge = time.Second

// summaryCache holds the incident overview, the most expensive read an
// analyst makes (every finding grouped, joined to its host) and the one
// every analyst's landing page asks for. One caller at a time computes it;
// the others wait and take its answer.
type summaryCache struct {
	maxAge time.Duration // 0: summaryMaxAge
	mu     sync.Mutex
	writes uint64
	at     time.Time
	val    []fleet.Incident
}

// get returns the cached summary if no write committed since it was
// computed and it is younger than summaryMaxAge; else it computes it with
// fill. writes is the store's counter, read before fill runs, so a write
// committing during fill leaves the result stale for the next caller.
func (c *summaryCache) get(writes func() uint64, fill func() ([]fleet.Incident, error)) ([]fleet.Incident, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := writes()
	age := c.maxAge
	if age == 0 {
		age = summaryMaxAge
	}
	if c.val != nil && c.writes == w && time.Since(c.at) < age {
		return slices.Clone(c.val), nil
	}
	start := time.Now()
	val, err := fill()
	if err != nil {
		return nil, err
	}
	if val == nil {
		val = []fleet.Incident{}
	}
	c.val, c.writes, c.at = val, w, start
	return slices.Clone(val), nil
}

// totalsCache holds the totals of list pages (how many hosts, how many
// findings match a page's filter). A total counts every matching row and
// every page of hosts or findings asks for one: on PostgreSQL at 2,000
// hosts and 1,650 findings they were a third of the analysts' query time.
// Like the incident overview, a total is current for this process's
// writes and at most summaryMaxAge old for other replicas'.
type totalsCache struct {
	maxAge time.Duration // 0: summaryMaxAge
	mu     sync.Mutex
	m      map[string]cachedTotal
}

type cachedTotal struct {
	writes uint64
	at     time.Time
	n      int
}

// totalsCacheSize bounds the distinct filters kept; when full it starts over.
const totalsCacheSize = 1024

// get returns the total cached under key if no write committed since it
// was counted and it is younger than the maximum age; else it counts it
// with fill. Concurrent misses each count.
func (c *totalsCache) get(key string, writes func() uint64, fill func() (int, error)) (int, error) {
	w := writes()
	age := c.maxAge
	if age == 0 {
		age = summaryMaxAge
	}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.writes == w && time.Since(e.at) < age {
		return e.n, nil
	}
	start := time.Now()
	n, err := fill()
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= totalsCacheSize {
		c.m = make(map[string]cachedTotal)
	}
	c.m[key] = cachedTotal{writes: w, at: start, n: n}
	c.mu.Unlock()
	return n, nil
}
