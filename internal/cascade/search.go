package cascade

import (
	"cmp"
	"slices"
	"sort"
)

// The search is label-setting over (time, confidence, depth): a node keeps
// every label no earlier label dominates (at least as confident, and, with a
// depth limit, no deeper). The first label a node settles is its earliest
// time and, among paths reaching it then, the most confident one. Keeping
// the later, more confident labels is what makes that exact: a path that is
// late at one node can still tie at the next, where an edge opens late.
//
// Keys only grow along a path, so labels settle in key order. Forward, the
// key is the arrival time; backwards, the negated deadline (the latest time a
// node can be compromised and still reach the targets in time).

type label struct {
	key   int64
	conf  float32
	depth int32
	node  uint32
	pred  int32 // label this one extends; -1 for a seed
	arc   uint32
	next  int32 // the node's next settled label; -1 ends
}

type item struct {
	key      int64
	conf     float32
	depth    int32
	node     uint32
	predNode uint32
	pred     int32
	arc      uint32
}

// before is the heap order: earlier key, then higher confidence, then
// fewer hops, then node, predecessor and arc index, so ties are decided the
// same way on every run.
func (x *item) before(y *item) bool {
	switch {
	case x.key != y.key:
		return x.key < y.key
	case x.conf != y.conf:
		return x.conf > y.conf
	case x.depth != y.depth:
		return x.depth < y.depth
	case x.node != y.node:
		return x.node < y.node
	case x.predNode != y.predNode:
		return x.predNode < y.predNode
	case x.arc != y.arc:
		return x.arc < y.arc
	}
	return x.pred < y.pred
}

type search struct {
	g        *Graph
	backward bool
	skew, at int64
	maxDepth int32
	weight   [numEdgeKinds]float32 // 0: excluded
	labels   []label
	node     []nodeState
	// full has a bit per node whose frontier cannot grow: it settled a label
	// at confidence 1 and depth does not count. A bit set in 128 KiB per
	// million nodes answers most late pushes without touching the node's
	// state, which is the trace's main cost on a large graph.
	full []uint64
	// seen has a bit per node that settled a label: the sweep's first test
	// of an arc's source.
	seen []uint64
	q    queue
	// pendDepth is the queued label's hops, per node (with a depth limit).
	pendDepth []int32
}

// A search keeps one record per node (32 bytes, so two share a cache line
// and a settle or push misses the cache once): the confidence of the
// node's last settled label (a node's settled labels grow in confidence,
// so without a depth limit it alone decides dominance), its settled
// labels, its last queued label no settled one dominates, which drops a
// push that label strictly dominates before it takes a queue slot, and
// its row's bounds (forward its arcs out, backwards its arcs in), copied
// from the graph so that relaxing a label just settled reads no other
// record before its row.
type nodeState struct {
	pendKey       int64
	top, pendConf float32
	head, tail    int32 // settled labels; head -1: not reached
	lo, hi        uint32
}

const noArc = ^uint32(0)

func newSearch(g *Graph, backward bool, skew, at int64, maxDepth int, weight [numEdgeKinds]float32) *search {
	s := &search{g: g, backward: backward, skew: skew, at: at, maxDepth: int32(maxDepth), weight: weight,
		node: make([]nodeState, len(g.nodes)), full: make([]uint64, (len(g.nodes)+63)/64),
		seen: make([]uint64, (len(g.nodes)+63)/64)}
	s.labels = make([]label, 0, len(g.nodes))
	hugePages(s.labels)
	hugePages(s.node)
	for i := range s.node {
		s.node[i] = nodeState{head: -1, tail: -1, top: -1, pendConf: -1}
	}
	off := g.off
	if backward {
		g.reverse()
		off = g.roff
	}
	for i := range s.node {
		s.node[i].lo, s.node[i].hi = off[i], off[i+1]
	}
	if maxDepth > 0 {
		s.pendDepth = make([]int32, len(g.nodes))
	}
	return s
}

// head is node v's first settled label, -1 if none.
func (s *search) head(v int) int32 { return s.node[v].head }

// dominated reports whether a settled label of node v is at least as good.
func (s *search) dominated(v uint32, conf float32, depth int32) bool {
	if s.maxDepth == 0 {
		return s.node[v].top >= conf
	}
	for l := s.node[v].head; l >= 0; l = s.labels[l].next {
		x := &s.labels[l]
		if x.conf >= conf && x.depth <= depth {
			return true
		}
	}
	return false
}

func (s *search) isFull(v uint32) bool { return s.full[v>>6]&(1<<(v&63)) != 0 }

// push queues a label unless a settled or queued one dominates it. Only
// strict domination by the queued one drops it: equal labels both go in,
// and the queue's order decides between them.
func (s *search) push(it item) {
	if s.isFull(it.node) {
		return
	}
	h := &s.node[it.node]
	if h.pendKey <= it.key && h.pendConf >= it.conf && (h.pendKey < it.key || h.pendConf > it.conf) &&
		(s.maxDepth == 0 || s.pendDepth[it.node] <= it.depth) {
		return
	}
	if s.dominated(it.node, it.conf, it.depth) {
		return
	}
	h.pendKey, h.pendConf = it.key, it.conf
	if s.maxDepth > 0 {
		s.pendDepth[it.node] = it.depth
	}
	s.q.push(it)
}

// seed starts the search at node v with key k.
func (s *search) seed(v uint32, k int64) { s.push(seedItem(v, k)) }

// seedItem is a seed's label: node v at key k.
func seedItem(v uint32, k int64) item {
	return item{key: k, conf: 1, node: v, predNode: v, pred: -1, arc: noArc}
}

// sweep is the search. Every push is at the current key: an arc a label
// can cross without waiting is crossed when the label settles (relaxOpen),
// and one it must wait for — forward an arc opening later, backwards one
// ending before the deadline — when the sweep over the arcs in that order
// reaches it (open), from every label the other end settled before then.
// That is the set of labels the eager search (run) queues ahead, pushed
// when their key comes, so the queue holds only the current key's labels
// in item.before order, and the sweep's first tests of an arc (other end
// reached, this end full) read two bitmaps.
func (s *search) sweep(seeds []item, stop func() bool) bool {
	g := s.g
	slices.SortStableFunc(seeds, func(a, b item) int { return cmp.Compare(a.key, b.key) })
	// key is the key at which the sweep takes its i-th arc: forward its
	// opening time, backwards the negated last departure it allows.
	keys, arcs, end := g.backKey, g.backArc, len(g.backKey)
	key := func(i int) int64 { return s.sweepKeyAt(keys, i) }
	if !s.backward {
		keys, arcs = g.sweepKey, g.sweepArc
		// Arcs opening after s.at do not exist yet.
		end = sort.Search(len(g.sweepKey), func(i int) bool { return g.sweepKey[i] > ord(s.at) })
	}
	pos := 0
	if len(seeds) > 0 { // before the first seed no label can cross
		pos = sort.Search(end, func(i int) bool { return key(i) > seeds[0].key })
	}
	si := 0
	for n := 0; ; n++ {
		if stop != nil && n&4095 == 0 && stop() {
			return false
		}
		if s.q.len() == 0 {
			var k int64
			switch {
			case si < len(seeds) && (pos >= end || seeds[si].key <= s.sweepKeyAt(keys, pos)):
				k = seeds[si].key
			case pos < end:
				k = s.sweepKeyAt(keys, pos)
			default:
				return true
			}
			s.q.last = ord(k)
			for ; pos < end && s.sweepKeyAt(keys, pos) == k; pos++ {
				s.open(arcs[pos], k)
			}
			for ; si < len(seeds) && seeds[si].key == k; si++ {
				s.push(seeds[si])
			}
			continue
		}
		it := s.q.pop()
		if li, ok := s.settle(it); ok {
			if s.backward {
				s.relaxOpenBackward(it, li)
			} else {
				s.relaxOpen(it, li)
			}
		}
	}
}

// sweepKeyAt is the key of the sweep's i-th arc, keys being the sweep's
// sorted keys (small enough to inline in the sweep's loop).
func (s *search) sweepKeyAt(keys []uint64, i int) int64 {
	if s.backward {
		return -(int64(^keys[i]^1<<63) - 1 + s.skew)
	}
	return int64(keys[i] ^ 1<<63)
}

// open crosses arc a at key k from every label its tail (forward its
// source, backwards its destination) settled before k.
func (s *search) open(a sweepArc, k int64) {
	from, to := a.src, a.dst()
	if s.backward {
		from, to = to, from
	}
	if s.seen[from>>6]&(1<<(from&63)) == 0 || s.isFull(to) {
		return
	}
	// Forward the sweep stops at s.at; backwards an arc ending before a
	// deadline no later than the target's time (itself no later than s.at)
	// began before s.at too.
	w := s.weight[EdgeKind(a.dk&(1<<kindBits-1))]
	if w == 0 {
		return
	}
	for l := s.node[from].head; l >= 0; l = s.labels[l].next {
		lb := &s.labels[l]
		if s.maxDepth > 0 && lb.depth >= s.maxDepth {
			continue
		}
		s.push(item{key: k, conf: lb.conf * a.conf * w, depth: lb.depth + 1,
			node: to, predNode: from, pred: l, arc: a.arc})
	}
}

// relaxOpen crosses every arc out of the node that is open when the
// compromise arrives (allowing for the skew); the sweep takes the others.
func (s *search) relaxOpen(it item, li int32) {
	g := s.g
	t := it.key
	ns := &s.node[it.node]
	lo, hi := ns.lo, ns.hi
	// The row is by opening time: stop at the first arc not open yet.
	for i := lo; i < hi; i++ {
		x := &g.arcs[i]
		if x.from > t {
			break
		}
		w := s.weight[x.kind()]
		if w == 0 || x.until != Never && t-s.skew >= x.until {
			continue
		}
		s.push(item{key: t, conf: it.conf * x.conf * w, depth: it.depth + 1,
			node: x.dst(), predNode: it.node, pred: li, arc: i})
	}
}

// relaxOpenBackward takes every arc into the node that can carry the
// compromise by the node's deadline without moving it earlier; the sweep
// takes those that end before it.
func (s *search) relaxOpenBackward(it item, li int32) {
	g := s.g
	d := -it.key
	ns := &s.node[it.node]
	for r := ns.lo; r < ns.hi; r++ {
		a := g.rarc[r]
		x := &g.arcs[a]
		w := s.weight[x.kind()]
		if w == 0 || x.from > s.at || x.from > d || x.until != Never && x.until-1+s.skew < d {
			continue
		}
		s.push(item{key: it.key, conf: it.conf * x.conf * w, depth: it.depth + 1,
			node: g.rsrc[r], predNode: it.node, pred: li, arc: a})
	}
}

// settle makes it a label of its node unless a settled label dominates it;
// ok is false when it did, or when the label may not be extended (depth).
func (s *search) settle(it item) (int32, bool) {
	if s.isFull(it.node) || s.dominated(it.node, it.conf, it.depth) {
		return 0, false
	}
	ns := &s.node[it.node]
	li := int32(len(s.labels))
	s.labels = append(s.labels, label{key: it.key, conf: it.conf, depth: it.depth, node: it.node, pred: it.pred, arc: it.arc, next: -1})
	if ns.head < 0 {
		ns.head = li
	} else {
		s.labels[ns.tail].next = li
	}
	ns.tail, ns.top = li, it.conf
	if it.conf >= 1 && s.maxDepth == 0 {
		s.full[it.node>>6] |= 1 << (it.node & 63)
	}
	s.seen[it.node>>6] |= 1 << (it.node & 63)
	return li, s.maxDepth == 0 || it.depth < s.maxDepth
}

// run settles labels until none is left or stop says so (checked every
// 4096 settles; it may be nil).
func (s *search) run(stop func() bool) bool {
	for n := 0; s.q.len() > 0; n++ {
		if stop != nil && n&4095 == 0 && stop() {
			return false
		}
		it := s.q.pop()
		li, ok := s.settle(it)
		if !ok {
			continue
		}
		if s.backward {
			s.relaxBackward(it, li)
		} else {
			s.relaxForward(it, li)
		}
	}
	return true
}

// relaxForward takes every arc out of the node that still holds when the
// compromise arrives (allowing for the skew) and has started by s.at.
func (s *search) relaxForward(it item, li int32) {
	g := s.g
	t := it.key
	lo, hi := g.off[it.node], g.off[it.node+1]
	for i := range g.arcs[lo:hi] {
		x := &g.arcs[lo+uint32(i)]
		w := s.weight[x.kind()]
		if w == 0 || x.from > s.at || x.until != Never && t-s.skew >= x.until {
			continue
		}
		s.push(item{key: max(t, x.from), conf: it.conf * x.conf * w, depth: it.depth + 1,
			node: x.dst(), predNode: it.node, pred: li, arc: lo + uint32(i)})
	}
}

// relaxBackward finds, for every arc into the node, the latest time its
// source can be compromised and still cross it by the node's deadline.
func (s *search) relaxBackward(it item, li int32) {
	g := s.g
	for r := g.roff[it.node]; r < g.roff[it.node+1]; r++ {
		a := g.rarc[r]
		nd, ok := s.departure(-it.key, a)
		if !ok {
			continue
		}
		s.push(item{key: -nd, conf: it.conf * g.arcs[a].conf * s.weight[g.arcs[a].kind()], depth: it.depth + 1,
			node: g.rsrc[r], predNode: it.node, pred: li, arc: a})
	}
}

// departure is the latest time arc a's source can be reached and still
// carry the compromise to its destination by deadline d.
func (s *search) departure(d int64, a uint32) (int64, bool) {
	g := s.g
	x := &g.arcs[a]
	if s.weight[x.kind()] == 0 || x.from > s.at || x.from > d {
		return 0, false
	}
	if u := x.until; u != Never && u-1+s.skew < d {
		d = u - 1 + s.skew
	}
	return d, true
}
