package cascade

import (
	"math"
	"slices"
	"sort"
)

// clock maps times (Unix seconds) to 32-bit ticks, so that an arc in the
// rows holds its interval in 8 bytes instead of 16. The mapping is exact and
// keeps order: a finite time is a tick in [1, tickNever), an open start
// (Always) tick 0 and an open end (Never) tickNever.
//
// When the graph's finite times span less than 2^32-2 seconds (136 years),
// a time's tick is its offset from the earliest, plus one. Otherwise the
// ticks are ranks in a table of the graph's distinct finite times (at most
// two an arc, which Build bounds), so nothing is rounded either way; only
// the search's per-label tick (at) then costs a binary search.
type clock struct {
	base  int64   // offset mode: the earliest finite time
	table []int64 // rank mode (non-nil): the distinct finite times, sorted
}

const tickNever = math.MaxUint32

// newClock picks the mapping for the finite times among from and until.
func newClock(from, until []int64) clock {
	lo, hi, n := int64(math.MaxInt64), int64(math.MinInt64), 0
	for _, ts := range [][]int64{from, until} {
		for _, t := range ts {
			if t != Always && t != Never {
				lo, hi, n = min(lo, t), max(hi, t), n+1
			}
		}
	}
	if n == 0 || uint64(hi)-uint64(lo) < tickNever-1 {
		return clock{base: lo}
	}
	table := make([]int64, 0, n)
	for _, ts := range [][]int64{from, until} {
		for _, t := range ts {
			if t != Always && t != Never {
				table = append(table, t)
			}
		}
	}
	slices.Sort(table)
	return clock{table: slices.Compact(table)}
}

// enc is the tick of an arc's time t: Always 0, Never tickNever, a finite
// time exactly (it must be one the clock was made from).
func (c *clock) enc(t int64) uint32 {
	switch {
	case t == Always:
		return 0
	case t == Never:
		return tickNever
	case c.table != nil:
		i, _ := slices.BinarySearch(c.table, t)
		return uint32(i) + 1
	}
	return uint32(t-c.base) + 1
}

// time decodes an arc's tick.
func (c *clock) time(k uint32) int64 {
	switch {
	case k == 0:
		return Always
	case k == tickNever:
		return Never
	case c.table != nil:
		return c.table[k-1]
	}
	return c.base + int64(k) - 1
}

// at is the tick of any time t, for comparing with arcs' ticks: the number
// of the clock's finite times no later than t (in offset mode, as if every
// second of the span were one), so that for an arc time x
//
//	x > t ⟺ enc(x) > at(t), for a start x (Always included);
//	x ≤ t ⟺ enc(x) ≤ at(t), for a finite end x.
//
// It is at most tickNever, which equals no finite end's tick: callers test
// Never apart.
func (c *clock) at(t int64) uint32 {
	if c.table != nil {
		return uint32(sort.Search(len(c.table), func(i int) bool { return c.table[i] > t }))
	}
	if t < c.base {
		return 0
	}
	if d := uint64(t) - uint64(c.base); d < tickNever-1 {
		return uint32(d) + 1
	}
	return tickNever
}
