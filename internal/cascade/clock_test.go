package cascade

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestClockBoundary: the clock keeps every time exactly and every
// comparison the search makes in ticks, on both sides of the span where it
// turns from offsets to a table of ranks (2^32-2 seconds between the
// earliest and latest finite time), and at the extremes of int64.
func TestClockBoundary(t *testing.T) {
	const base = int64(1_600_000_000)
	cases := []struct {
		name  string
		times []int64 // finite times of the arcs
		table bool    // want rank mode
	}{
		{"one time", []int64{base}, false},
		{"widest offsets", []int64{base, base + 1, base + tickNever - 3, base + tickNever - 2}, false},
		{"one second too wide", []int64{base, base + 1, base + tickNever - 2, base + tickNever - 1}, true},
		{"2^40 apart", []int64{base, base + 1<<40, base + 1<<40 + 1, base - 1<<40}, true},
		{"negative times", []int64{-1 << 40, -1<<40 + 7, -1<<40 + 1<<31}, false},
		{"int64 extremes", []int64{math.MinInt64 + 1, 0, math.MaxInt64 - 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from := append([]int64{Always}, tc.times...)
			until := append([]int64{Never}, tc.times...)
			c := newClock(from, until)
			if got := c.table != nil; got != tc.table {
				t.Fatalf("rank mode %v, want %v", got, tc.table)
			}
			checkClock(t, &c, tc.times)
		})
	}
}

// checkClock checks exactness and the comparisons against the times
// themselves, for every arc time and query times around them.
func checkClock(t *testing.T, c *clock, times []int64) {
	t.Helper()
	for _, x := range append([]int64{Always, Never}, times...) {
		if k := c.enc(x); c.time(k) != x {
			t.Fatalf("time %d: tick %d decodes to %d", x, k, c.time(k))
		}
	}
	var queries []int64
	for _, x := range append([]int64{math.MinInt64, math.MaxInt64}, times...) {
		for _, d := range []int64{-2, -1, 0, 1, 2} {
			if q := x + d; (d < 0) == (q < x) && (d > 0) == (q > x) { // no wrap-around
				queries = append(queries, q)
			}
		}
	}
	for _, q := range queries {
		at := c.at(q)
		for _, x := range append([]int64{Always}, times...) { // starts
			if got, want := c.enc(x) > at, x > q; got != want {
				t.Fatalf("start %d > %d: ticks say %v (%d > %d)", x, q, got, c.enc(x), at)
			}
		}
		for _, x := range times { // finite ends
			if got, want := c.enc(x) <= at, x <= q; got != want {
				t.Fatalf("end %d <= %d: ticks say %v (%d <= %d)", x, q, got, c.enc(x), at)
			}
		}
		if c.enc(Never) <= at && at != tickNever {
			t.Fatalf("query %d: tick %d reaches Never's", q, at)
		}
	}
}

// TestClockBoundaryMatchesBruteForce: traces on small random graphs whose
// times straddle the clock's switch from offsets to ranks match brute
// force. The generator's times 0..9 stay a second apart at base, 10..29
// are moved up so that 29 lands 2^32-2 or 2^32-1 seconds after base: the
// span is then the widest that offsets hold, or one second more.
func TestClockBoundaryMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	const base = int64(1_000_000_000)
	var modes [2]int
	for iter := range 1000 {
		rg := newRandGraphOf(r, 3+r.IntN(8), 30)
		hi := base + tickNever - 2 + int64(r.IntN(2)) // where 29 lands
		far := func(v int64) int64 {
			switch {
			case v == Always || v == Never:
				return v
			case v >= 10:
				return hi - 29 + v
			}
			return base + v
		}
		for i := range rg.edges {
			e := &rg.edges[i]
			e.Valid = Interval{far(e.Valid.From), far(e.Valid.Until)}
		}
		g := rg.build(t, -1)
		if g.clock.table != nil {
			modes[1]++
		} else {
			modes[0]++
		}
		seed := rg.nodes[r.IntN(len(rg.nodes))].ID
		t0, at, skew := far(int64(r.IntN(15))), far(25), int64(r.IntN(3))
		res, err := Trace(context.Background(), g, Options{Seeds: []Seed{{seed, time.Unix(t0, 0)}},
			At: time.Unix(at, 0), Skew: time.Duration(skew) * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteForward(rg, seed, t0, at, skew, 0, nil)
		got := res.Reached()
		if len(got) != len(want) {
			t.Fatalf("iter %d: reached %d nodes, brute force %d\n%+v", iter, len(got), len(want), rg)
		}
		for _, re := range got {
			w := want[re.Node.ID]
			if re.Time.Unix() != w.t || re.Confidence != round(w.c) {
				t.Fatalf("iter %d: %s at %d conf %v, brute force %d conf %v\n%+v", iter, re.Node.ID, re.Time.Unix(), re.Confidence, w.t, w.c, rg)
			}
			checkPath(t, re)
		}
	}
	if modes[0] == 0 || modes[1] == 0 {
		t.Fatalf("graphs with offsets %d, with ranks %d: want both", modes[0], modes[1])
	}
}
