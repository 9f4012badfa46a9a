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
