package cascade

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randGraph is a small random graph: nodes of random kinds, edges of a
// kind their endpoints allow, with random intervals (some open) and
// confidences.
type randGraph struct {
	nodes []Node
	edges []Edge
}

func newRandGraph(r *rand.Rand) randGraph { return newRandGraphOf(r, 3+r.IntN(5), 14) }

// newRandGraphOf is a random graph of n nodes and fewer than maxEdges edges.
func newRandGraphOf(r *rand.Rand, n, maxEdges int) randGraph {
	var g randGraph
	for i := range n {
		g.nodes = append(g.nodes, Node{ID: fmt.Sprintf("n%d", i), Kind: NodeKind(1 + r.IntN(4))})
	}
	m := r.IntN(maxEdges)
	for range m {
		a, b := g.nodes[r.IntN(n)], g.nodes[r.IntN(n)]
		if a.ID == b.ID {
			continue
		}
		var ks []EdgeKind
		for _, k := range EdgeKinds() {
			if k.Endpoints(a.Kind, b.Kind) {
				ks = append(ks, k)
			}
		}
		if len(ks) == 0 {
			continue
		}
		from := int64(r.IntN(20))
		until := from + 1 + int64(r.IntN(10))
		if r.IntN(4) == 0 {
			until = Never
		}
		if r.IntN(6) == 0 {
			from = Always
		}
		conf := []float64{1, 0.9, 0.5, 0.25}[r.IntN(4)]
		g.edges = append(g.edges, Edge{Kind: ks[r.IntN(len(ks))], From: a.ID, To: b.ID, Valid: Interval{from, until}, Confidence: conf})
	}
	return g
}

func (rg randGraph) build(t *testing.T, skip int) *Graph {
	t.Helper()
	b := NewBuilder()
	for _, n := range rg.nodes {
		if err := b.AddNode(n); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range rg.edges {
		if i == skip {
			continue
		}
		if err := b.AddEdge(e); err != nil {
			t.Fatal(err)
		}
	}
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

type best struct {
	t     int64
	c     float32
	found bool
}

// bruteForward enumerates every simple time-respecting path from the seed.
func bruteForward(rg randGraph, seed string, t0, at, skew int64, maxDepth int, weight map[EdgeKind]float64) map[string]best {
	out := map[string]best{}
	var walk func(v string, t int64, c float32, d int, seen map[string]bool)
	walk = func(v string, t int64, c float32, d int, seen map[string]bool) {
		if b := out[v]; !b.found || t < b.t || t == b.t && c > b.c {
			out[v] = best{t, c, true}
		}
		if maxDepth > 0 && d >= maxDepth {
			return
		}
		for _, e := range rg.edges {
			u, w := e.From, e.To
			if e.Kind.Reversed() {
				u, w = w, u
			}
			wk, ok := weight[e.Kind]
			if !ok {
				wk = 1
			}
			if u != v || seen[w] || wk == 0 || e.Valid.From > at || e.Valid.Until != Never && t-skew >= e.Valid.Until {
				continue
			}
			seen[w] = true
			walk(w, max(t, e.Valid.From), c*float32(e.Confidence)*float32(wk), d+1, seen)
			delete(seen, w)
		}
	}
	walk(seed, t0, 1, 0, map[string]bool{seed: true})
	return out
}

func TestTraceMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		rg := newRandGraph(r)
		g := rg.build(t, -1)
		seed := rg.nodes[r.IntN(len(rg.nodes))].ID
		t0, skew, depth := int64(r.IntN(15)), int64(r.IntN(3)), r.IntN(4)
		at := int64(25)
		// Sometimes weigh or exclude one edge kind.
		weight := map[EdgeKind]float64{}
		var excl []EdgeKind
		if k := EdgeKinds()[r.IntN(5)]; r.IntN(3) == 0 {
			weight[k] = []float64{0, 0.5, 0.9}[r.IntN(3)]
			if weight[k] == 0 {
				excl = []EdgeKind{k}
			}
		}
		res, err := Trace(context.Background(), g, Options{Seeds: []Seed{{seed, time.Unix(t0, 0)}},
			At: time.Unix(at, 0), Skew: time.Duration(skew) * time.Second, MaxDepth: depth, Confidence: weight, Exclude: excl})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteForward(rg, seed, t0, at, skew, depth, weight)
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
}

// checkPath: no time on a path precedes its predecessor's, and the path
// ends where it says.
func checkPath(t *testing.T, re Reach) {
	t.Helper()
	p := re.Path
	if p[len(p)-1].Node != re.Node.ID || !p[len(p)-1].Time.Equal(re.Time) || len(p)-1 != re.Depth {
		t.Fatalf("path of %s ends at %+v", re.Node.ID, p[len(p)-1])
	}
	for i := 1; i < len(p); i++ {
		if p[i].Time.Before(p[i-1].Time) {
			t.Fatalf("path of %s goes back in time at step %d: %+v", re.Node.ID, i, p)
		}
		if p[i].Via == nil || p[i].Via.Src != p[i-1].Node || p[i].Via.Dst != p[i].Node {
			t.Fatalf("path of %s: step %d not joined by its arc: %+v", re.Node.ID, i, p[i].Via)
		}
	}
}

func TestRemovingAnEdgeNeverHelps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1500 {
		rg := newRandGraph(r)
		if len(rg.edges) == 0 {
			continue
		}
		seed := rg.nodes[0].ID
		o := Options{Seeds: []Seed{{seed, time.Unix(int64(r.IntN(10)), 0)}}, At: time.Unix(30, 0)}
		full, err := Trace(context.Background(), rg.build(t, -1), o)
		if err != nil {
			t.Fatal(err)
		}
		less, err := Trace(context.Background(), rg.build(t, r.IntN(len(rg.edges))), o)
		if err != nil {
			t.Fatal(err)
		}
		before := map[string]time.Time{}
		for _, re := range full.Reached() {
			before[re.Node.ID] = re.Time
		}
		for _, re := range less.Reached() {
			t0, ok := before[re.Node.ID]
			if !ok || re.Time.Before(t0) {
				t.Fatalf("without an edge, %s is reached at %v (with it: %v, %v)", re.Node.ID, re.Time, t0, ok)
			}
		}
	}
}

// bruteDeadline is the latest time node u can be compromised and still
// reach target by tau, over every simple path, or false.
func bruteDeadline(rg randGraph, u, target string, tau, at, skew int64) (int64, bool) {
	bestD, found := int64(0), false
	var walk func(v string, d int64, seen map[string]bool)
	walk = func(v string, d int64, seen map[string]bool) {
		if v == u {
			if !found || d > bestD {
				bestD, found = d, true
			}
		}
		for _, e := range rg.edges {
			src, dst := e.From, e.To
			if e.Kind.Reversed() {
				src, dst = dst, src
			}
			if dst != v || seen[src] || e.Valid.From > at || e.Valid.From > d {
				continue
			}
			nd := d
			if e.Valid.Until != Never && e.Valid.Until-1+skew < nd {
				nd = e.Valid.Until - 1 + skew
			}
			seen[src] = true
			walk(src, nd, seen)
			delete(seen, src)
		}
	}
	walk(target, tau, map[string]bool{target: true})
	return bestD, found
}

func TestBacktraceMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 2000 {
		rg := newRandGraph(r)
		g := rg.build(t, -1)
		target := rg.nodes[r.IntN(len(rg.nodes))].ID
		tau, skew, at := int64(5+r.IntN(20)), int64(r.IntN(3)), int64(30)
		res, err := Backtrace(context.Background(), g, Options{Seeds: []Seed{{target, time.Unix(tau, 0)}},
			At: time.Unix(at, 0), Skew: time.Duration(skew) * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, u := range res.Upstream {
			got[u.Node.ID] = u.Deadline.Unix()
		}
		for _, n := range rg.nodes {
			d, ok := bruteDeadline(rg, n.ID, target, tau, at, skew)
			gd, gok := got[n.ID]
			if ok != gok || ok && d != gd {
				t.Fatalf("iter %d: %s deadline %d %v, brute force %d %v\n%+v", iter, n.ID, gd, gok, d, ok, rg)
			}
		}
	}
}

// TestInputOrderDoesNotMatter: the same graph fed in another order gives
// the same trace, paths and tie-breaks included.
func TestInputOrderDoesNotMatter(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 500 {
		rg := newRandGraph(r)
		o := Options{Seeds: []Seed{{rg.nodes[0].ID, time.Unix(3, 0)}}, At: time.Unix(30, 0), Skew: time.Second}
		a, err := Trace(context.Background(), rg.build(t, -1), o)
		if err != nil {
			t.Fatal(err)
		}
		r.Shuffle(len(rg.nodes), func(i, j int) { rg.nodes[i], rg.nodes[j] = rg.nodes[j], rg.nodes[i] })
		r.Shuffle(len(rg.edges), func(i, j int) { rg.edges[i], rg.edges[j] = rg.edges[j], rg.edges[i] })
		b, err := Trace(context.Background(), rg.build(t, -1), o)
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a.Reached())
		jb, _ := json.Marshal(b.Reached())
		if string(ja) != string(jb) {
			t.Fatalf("input order changed the trace:\n%s\n%s", ja, jb)
		}
	}
}

// traceEager is the forward trace as the eager search (run) makes it: every
// arc out of a settled label queued at once, future ones at their opening
// time. It is the reference the sweep must match exactly.
func traceEager(g *Graph, o Options) (*Result, error) {
	ids, w, err := o.check(g)
	if err != nil {
		return nil, err
	}
	s := newSearch(g, false, int64(o.Skew/time.Second), o.At.Unix(), o.MaxDepth, w)
	for i, v := range ids {
		s.seed(v, o.Seeds[i].Time.Unix())
	}
	s.run(nil)
	return &Result{Options: o, g: g, s: s}, nil
}

// TestSweepMatchesEager: the sweep settles the same labels in the same
// order as the eager search, so times, confidences, hops and paths (tie
// breaks included) agree, over several seeds, depth limits, weights and
// exclusions, on graphs with many equal times and parallel edges.
func TestSweepMatchesEager(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for iter := range 3000 {
		rg := newRandGraph(r)
		if iter%2 == 1 {
			// Larger graphs give nodes several labels and long paths.
			rg = newRandGraphOf(r, 10+r.IntN(20), 40+r.IntN(80))
		}
		// Parallel edges and shared times make the tie-breaks matter.
		for i := range r.IntN(4) {
			if len(rg.edges) > 0 {
				e := rg.edges[r.IntN(len(rg.edges))]
				e.Valid.From = []int64{e.Valid.From, Always, 7}[i%3]
				if !e.Valid.Valid() {
					continue
				}
				rg.edges = append(rg.edges, e)
			}
		}
		g := rg.build(t, -1)
		o := Options{At: time.Unix(int64(15+r.IntN(15)), 0), Skew: time.Duration(r.IntN(3)) * time.Second, MaxDepth: r.IntN(4)}
		for range 1 + r.IntN(3) {
			o.Seeds = append(o.Seeds, Seed{rg.nodes[r.IntN(len(rg.nodes))].ID, time.Unix(int64(r.IntN(15)), 0)})
		}
		if k := EdgeKinds()[r.IntN(5)]; r.IntN(3) == 0 {
			o.Confidence = map[EdgeKind]float64{k: []float64{0, 0.5, 0.9}[r.IntN(3)]}
		}
		if r.IntN(5) == 0 {
			o.Exclude = []EdgeKind{EdgeKinds()[r.IntN(5)]}
		}
		got, err := Trace(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := traceEager(g, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.s.labels, want.s.labels) {
			t.Fatalf("iter %d: sweep settled\n%+v\neager search\n%+v\ngraph %+v\noptions %+v", iter, got.s.labels, want.s.labels, rg, o)
		}
		jg, _ := json.Marshal(got.Reached())
		jw, _ := json.Marshal(want.Reached())
		if string(jg) != string(jw) {
			t.Fatalf("iter %d: sweep\n%s\neager\n%s", iter, jg, jw)
		}
	}
}

// TestBackwardSweepMatchesEager: backwards too, the sweep settles the
// eager search's labels in its order.
func TestBackwardSweepMatchesEager(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for iter := range 3000 {
		rg := newRandGraph(r)
		if iter%2 == 1 {
			rg = newRandGraphOf(r, 10+r.IntN(20), 40+r.IntN(80))
		}
		g := rg.build(t, -1)
		g.reverse()
		o := Options{At: time.Unix(int64(15+r.IntN(15)), 0), Skew: time.Duration(r.IntN(3)) * time.Second, MaxDepth: r.IntN(4),
			Seeds: []Seed{{rg.nodes[r.IntN(len(rg.nodes))].ID, time.Unix(int64(5+r.IntN(10)), 0)}}}
		if k := EdgeKinds()[r.IntN(5)]; r.IntN(3) == 0 {
			o.Confidence = map[EdgeKind]float64{k: []float64{0, 0.5, 0.9}[r.IntN(3)]}
		}
		ids, w, err := o.check(g)
		if err != nil {
			t.Fatal(err)
		}
		skew, tau := int64(o.Skew/time.Second), -o.Seeds[0].Time.Unix()
		sweep := newSearch(g, true, skew, o.At.Unix(), o.MaxDepth, w)
		sweep.sweep([]item{seedItem(ids[0], tau)}, nil)
		eager := newSearch(g, true, skew, o.At.Unix(), o.MaxDepth, w)
		eager.seed(ids[0], tau)
		eager.run(nil)
		if !slices.Equal(sweep.labels, eager.labels) {
			t.Fatalf("iter %d: sweep settled\n%+v\neager search\n%+v\ngraph %+v\noptions %+v", iter, sweep.labels, eager.labels, rg, o)
		}
	}
}

// TestFarTimesMatchBruteForce: the rows by opening time and the sweep hold
// when times lie far apart (spans past 2^32 seconds take the sweep's radix
// sort) and next to open starts and ends: small random graphs with their
// times spread 2^40 seconds apart, checked against brute force.
func TestFarTimesMatchBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const scale = 1 << 40
	far := func(v int64) int64 {
		if v == Always || v == Never {
			return v
		}
		return (v - 10) * scale
	}
	for iter := range 2000 {
		rg := newRandGraphOf(r, 3+r.IntN(8), 30)
		for i := range rg.edges {
			e := &rg.edges[i]
			e.Valid = Interval{far(e.Valid.From), far(e.Valid.Until)}
			// Some edges open one second after another's start, or end one
			// second after it: neighbours in time among far ones.
			if r.IntN(5) == 0 && e.Valid.From != Always && e.Valid.Until != Never {
				e.Valid.Until = e.Valid.From + 1
			}
		}
		g := rg.build(t, -1)
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
}

// TestRowsByOpeningTime: every row of the built graph is sorted by opening
// time, which is what lets a settling label stop at the first arc that has
// not opened.
func TestRowsByOpeningTime(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for range 200 {
		g := newRandGraphOf(r, 2+r.IntN(6), 60).build(t, -1)
		for u := range g.NumNodes() {
			row := g.arcs[g.off[u]:g.off[u+1]]
			if !slices.IsSortedFunc(row, func(a, b arc) int { return cmp.Compare(a.from, b.from) }) {
				t.Fatalf("row %d not by opening time: %+v", u, row)
			}
		}
	}
}
