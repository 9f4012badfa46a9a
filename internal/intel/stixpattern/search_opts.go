package stixpattern

import (
	"slices"
	"time"
)

// options lists the ways a decision can go.
func (s *searcher) options(fr frame) []option {
	n := fr.n
	var opts []option
	switch n.kind {
	case pOr:
		for i, k := range n.kids {
			opts = append(opts, option{frames: []frame{{k, fr.f}}, c: choice{idx: i}})
		}
	case pWithin:
		kid := n.kids[0]
		for _, t := range s.anchors(kid, fr.f, false) {
			f := fr.f.withLo(t)
			if hi, ok := addDuration(t, n.d); ok {
				f = f.withHi(hi)
			}
			opts = append(opts, option{frames: []frame{{kid, f}}, c: choice{t: t}})
		}
	case pFB:
		left, right := n.kids[0], n.kids[1]
		for _, t := range s.anchors(left, fr.f, true) {
			opts = append(opts, option{
				frames: []frame{{left, fr.f.withHi(t)}, {right, fr.f.withLo(t)}},
				c:      choice{t: t},
			})
		}
	}
	return opts
}

// anchors returns the distinct first_observed (first) or last_observed
// times of the observations the subtree's leaves may use, ascending.
func (s *searcher) anchors(n *pnode, f filter, first bool) []time.Time {
	var ts []time.Time
	for _, l := range leavesOf(n) {
		for _, i := range l.cands {
			o := &s.obs[i]
			if !f.admits(o) {
				continue
			}
			if first {
				ts = append(ts, o.FirstObserved)
			} else {
				ts = append(ts, o.LastObserved)
			}
		}
	}
	s.net.work += int64(len(ts))
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
}

// addDuration returns t + d, or false when that is beyond any timestamp.
func addDuration(t time.Time, d duration) (time.Time, bool) {
	if d.sec >= 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(t.Unix()+d.sec, int64(t.Nanosecond())+d.nsec).UTC(), true
}

// flowState remembers the network of the last feasibility check, from
// which a successful search reads its bindings.
type flowState struct {
	active  []frame
	edges   [][]int // per active leaf: its leaf→observation edges
	obsOf   []int32 // per network node: observation index
	nodeOf  []int32 // per observation: network node, or 0
	touched []int32
}

// feasible reports whether every active leaf can get its demand of
// observation instances, no instance serving two leaves.
func (s *searcher) feasible(active []frame) bool {
	fs := &s.flow
	if fs.nodeOf == nil {
		fs.nodeOf = make([]int32, len(s.obs))
	}
	for _, i := range fs.touched {
		fs.nodeOf[i] = 0
	}
	fs.touched, fs.active, fs.edges = fs.touched[:0], active, fs.edges[:0]
	fs.obsOf = append(fs.obsOf[:0], -1, -1)
	g := &s.net
	g.reset(2 + len(active))
	fs.obsOf = append(fs.obsOf, make([]int32, len(active))...)
	var need int64
	for li, a := range active {
		leafNode := 2 + li
		need = satAdd(need, a.n.demand)
		g.addEdge(0, leafNode, a.n.demand)
		var edges []int
		for _, i := range a.n.cands {
			if !a.f.admits(&s.obs[i]) {
				continue
			}
			edges = append(edges, g.addEdge(leafNode, s.obsNode(i), a.n.demand))
		}
		g.work += int64(len(a.n.cands))
		if len(edges) == 0 {
			return false
		}
		fs.edges = append(fs.edges, edges)
	}
	for _, i := range fs.touched {
		g.addEdge(int(fs.nodeOf[i]), 1, s.obs[i].NumberObserved)
	}
	return g.maxFlow(0, 1, need) == need
}

// obsNode returns the network node of observation i, adding it if needed.
func (s *searcher) obsNode(i int32) int {
	fs := &s.flow
	if fs.nodeOf[i] == 0 {
		fs.nodeOf[i] = int32(len(s.net.head))
		s.net.head = append(s.net.head, -1)
		fs.obsOf = append(fs.obsOf, i)
		fs.touched = append(fs.touched, i)
	}
	return int(fs.nodeOf[i])
}
