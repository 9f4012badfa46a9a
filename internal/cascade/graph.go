package cascade

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// Graph is the cascade graph in compact form: nodes by interned index and
// arcs in compressed sparse rows, oriented the way a compromise moves. An
// arc costs 44 bytes
// (24 in the rows, 20 in the sweep); the reverse rows and the backwards
// sweep, built on the first backwards trace, up to 32 more.
type Graph struct {
	nodes []Node
	index map[string]uint32
	// Arcs out of node u are arcs[off[u]:off[u+1]].
	off      []uint32
	arcs     []arc
	ev       []uint32 // arc i's evidence is evidence[ev[i]]
	evidence []*Evidence
	warnings []string

	// The sweep: every arc by opening time (then arc index), its key
	// (ord(from)) and its source, destination and index apart, so the
	// forward trace reads it front to back (20 bytes an arc).
	sweepKey []uint64
	sweepArc []sweepArc

	revOnce sync.Once
	// The backwards sweep: every arc with an end, by end (latest first,
	// then arc index), built with the reverse rows.
	backKey []uint64 // ^ord(until)
	backArc []sweepArc
	roff    []uint32
	rarc    []uint32 // arc index, ordered by destination
	rsrc    []uint32 // the arc's source
}

// arc is one edge in the rows: a row is read front to back, so its arcs
// sit together (24 bytes each) rather than in columns. The destination's
// index and the kind share a word; the evidence index is apart (g.ev), as
// only paths read it.
type arc struct {
	from, until int64
	dk          uint32 // destination << kindBits | kind
	conf        float32
}

const (
	kindBits = 3
	// MaxNodes is the most nodes a graph can hold (2^29).
	MaxNodes = 1 << (32 - kindBits)
)

func (x *sweepArc) dst() uint32 { return x.dk >> kindBits }

func (x *arc) dst() uint32                 { return x.dk >> kindBits }
func (x *arc) kind() EdgeKind              { return EdgeKind(x.dk & (1<<kindBits - 1)) }
func packDK(dst uint32, k EdgeKind) uint32 { return dst<<kindBits | uint32(k) }

// sweepArc is one arc in the sweep, with what crossing it needs (16
// bytes), so that the sweep reads the rows only for paths.
type sweepArc struct {
	src, dk, arc uint32
	conf         float32
}

// newGraph sorts the builder's nodes and edges into a Graph; the builder
// gives up its arrays.
func newGraph(b *Builder) *Graph {
	n := len(b.nodes)
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int { return cmp.Compare(b.nodes[x].ID, b.nodes[y].ID) })
	g := &Graph{nodes: make([]Node, n), index: b.index, evidence: b.evidence}
	rank := make([]uint32, n)
	for newI, old := range order {
		rank[old] = uint32(newI)
		g.nodes[newI] = b.nodes[old]
		g.index[b.nodes[old].ID] = uint32(newI)
	}
	order = nil
	a := &b.e
	for i := range a.src {
		a.src[i], a.dst[i] = rank[a.src[i]], rank[a.dst[i]]
	}
	rank = nil
	g.fill(a)
	b.e, b.nodes, b.index = edgeArrays{}, nil, nil
	g.sweep()
	return g
}

// fill lays the arcs out by source (a counting sort), each row sorted by
// opening time, then destination, kind, end, confidence and evidence: a
// label settling at time t crosses only the row's prefix opened by t
// (the sweep takes the rest).
func (g *Graph) fill(a *edgeArrays) {
	n, m := len(g.nodes), a.len()
	g.off = make([]uint32, n+1)
	hugePages(g.off)
	for _, s := range a.src {
		g.off[s+1]++
	}
	for i := 1; i <= n; i++ {
		g.off[i] += g.off[i-1]
	}
	pos := slices.Clone(g.off[:n])
	perm := make([]uint32, m)
	for i, s := range a.src {
		perm[pos[s]] = uint32(i)
		pos[s]++
	}
	pos = nil
	for u := range n {
		row := perm[g.off[u]:g.off[u+1]]
		if len(row) > 1 {
			slices.SortFunc(row, func(x, y uint32) int {
				return cmp.Or(cmp.Compare(a.from[x], a.from[y]), cmp.Compare(a.dst[x], a.dst[y]),
					cmp.Compare(a.kind[x], a.kind[y]), cmp.Compare(a.until[x], a.until[y]),
					cmp.Compare(a.conf[y], a.conf[x]), cmp.Compare(a.ev[x], a.ev[y]))
			})
		}
	}
	g.arcs, g.ev = make([]arc, m), make([]uint32, m)
	hugePages(g.arcs)
	for i, p := range perm {
		g.arcs[i] = arc{from: a.from[p], until: a.until[p], dk: packDK(a.dst[p], a.kind[p]), conf: a.conf[p]}
		g.ev[i] = a.ev[p]
	}
}

// sortArcs orders the arcs key picks (ok false leaves one out) by key,
// then index. It returns the keys in that order and each arc's place in it
// (noArc for those left out). When the keys span less than 2^32, which
// real times do (136 years of seconds), key and index share a word sorted
// in place; otherwise a radix sort needs twice the room.
func (g *Graph) sortArcs(key func(x *arc) (uint64, bool)) (keys []uint64, rank []uint32) {
	lo, hi, n := uint64(math.MaxUint64), uint64(0), 0
	for i := range g.arcs {
		if k, ok := key(&g.arcs[i]); ok {
			lo, hi, n = min(lo, k), max(hi, k), n+1
		}
	}
	rank = make([]uint32, len(g.arcs))
	keys = make([]uint64, 0, n)
	if n > 0 && hi-lo <= math.MaxUint32 {
		for i := range g.arcs {
			if k, ok := key(&g.arcs[i]); ok {
				keys = append(keys, (k-lo)<<32|uint64(i))
			}
		}
		slices.Sort(keys)
		for j, v := range keys {
			rank[uint32(v)], keys[j] = uint32(j), lo+v>>32
		}
	} else {
		idx := make([]uint32, 0, n)
		for i := range g.arcs {
			if k, ok := key(&g.arcs[i]); ok {
				keys, idx = append(keys, k), append(idx, uint32(i))
			}
		}
		keys, idx = radixSort(keys, idx)
		for j, i := range idx {
			rank[i] = uint32(j)
		}
	}
	for i := range g.arcs {
		if _, ok := key(&g.arcs[i]); !ok {
			rank[i] = noArc
		}
	}
	return keys, rank
}

// radixSort sorts keys, and idx along, stably: a byte at a time, skipping
// bytes every key shares. It returns the sorted slices (the inputs are
// reused).
func radixSort(keys []uint64, idx []uint32) ([]uint64, []uint32) {
	m := len(keys)
	tk, ti := make([]uint64, m), make([]uint32, m)
	for shift := 0; shift < 64; shift += 8 {
		var count [257]int
		for _, k := range keys {
			count[(k>>shift)&0xff+1]++
		}
		if slices.Contains(count[1:], m) {
			continue // every key has this byte
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for j, k := range keys {
			d := (k >> shift) & 0xff
			tk[count[d]], ti[count[d]] = k, idx[j]
			count[d]++
		}
		keys, tk, idx, ti = tk, keys, ti, idx
	}
	return keys, idx
}

// sweep lists the arcs by opening time (the key is ord(from)).
func (g *Graph) sweep() {
	var rank []uint32
	g.sweepKey, rank = g.sortArcs(func(x *arc) (uint64, bool) { return ord(x.from), true })
	g.sweepArc = make([]sweepArc, len(g.arcs))
	hugePages(g.sweepArc)
	for u := range len(g.nodes) {
		for i := g.off[u]; i < g.off[u+1]; i++ {
			x := &g.arcs[i]
			g.sweepArc[rank[i]] = sweepArc{src: uint32(u), dk: x.dk, arc: i, conf: x.conf}
		}
	}
}

// backSweep lists the arcs that end by end, latest first (the key is
// ^ord(until)).
func (g *Graph) backSweep() {
	var rank []uint32
	g.backKey, rank = g.sortArcs(func(x *arc) (uint64, bool) { return ^ord(x.until), x.until != Never })
	g.backArc = make([]sweepArc, len(g.backKey))
	hugePages(g.backArc)
	for u := range len(g.nodes) {
		for i := g.off[u]; i < g.off[u+1]; i++ {
			if r := rank[i]; r != noArc {
				x := &g.arcs[i]
				g.backArc[r] = sweepArc{src: uint32(u), dk: x.dk, arc: i, conf: x.conf}
			}
		}
	}
}

// reverse builds the rows by destination once.
func (g *Graph) reverse() {
	g.revOnce.Do(func() {
		n := len(g.nodes)
		g.roff = make([]uint32, n+1)
		for i := range g.arcs {
			g.roff[g.arcs[i].dst()+1]++
		}
		for i := 1; i <= n; i++ {
			g.roff[i] += g.roff[i-1]
		}
		pos := slices.Clone(g.roff[:n])
		g.rarc = make([]uint32, len(g.arcs))
		g.rsrc = make([]uint32, len(g.arcs))
		hugePages(g.rarc)
		hugePages(g.rsrc)
		hugePages(g.roff)
		for u := range n {
			for i := g.off[u]; i < g.off[u+1]; i++ {
				d := g.arcs[i].dst()
				g.rarc[pos[d]], g.rsrc[pos[d]] = i, uint32(u)
				pos[d]++
			}
		}
		pos = nil
		g.backSweep()
	})
}

// src returns the source of arc i (a binary search over the rows).
func (g *Graph) src(i uint32) uint32 {
	u, _ := slices.BinarySearchFunc(g.off[1:], i+1, cmp.Compare[uint32])
	return uint32(u)
}

// Warnings are what the readers wanted shown (unverified attestations…).
func (g *Graph) Warnings() []string { return g.warnings }

// NumNodes and NumArcs give the graph's size.
func (g *Graph) NumNodes() int { return len(g.nodes) }

// NumArcs is the number of edges.
func (g *Graph) NumArcs() int { return len(g.arcs) }

// Node returns a node by id.
func (g *Graph) Node(id string) (Node, bool) {
	i, ok := g.index[id]
	if !ok {
		return Node{}, false
	}
	return g.nodes[i], true
}

// Arc is one edge as the graph holds it, oriented the way a compromise
// moves (Src → Dst), with its written kind.
type Arc struct {
	Src        string    `json:"src"`
	Dst        string    `json:"dst"`
	Kind       EdgeKind  `json:"kind"`
	Valid      Interval  `json:"valid"`
	Confidence float64   `json:"confidence"`
	Evidence   *Evidence `json:"evidence,omitempty"`
}

// arc expands arc i.
func (g *Graph) arc(i uint32) Arc {
	a := &g.arcs[i]
	return Arc{Src: g.nodes[g.src(i)].ID, Dst: g.nodes[a.dst()].ID, Kind: a.kind(),
		Valid: Interval{a.from, a.until}, Confidence: float64(a.conf), Evidence: g.evidence[g.ev[i]]}
}

// Written returns the arc as written: for reversed kinds, From is Dst.
func (a Arc) Written() (from, to string) {
	if a.Kind.Reversed() {
		return a.Dst, a.Src
	}
	return a.Src, a.Dst
}

func fmtTime(s int64) string {
	switch s {
	case Always:
		return "the beginning"
	case Never:
		return "open"
	}
	return time.Unix(s, 0).UTC().Format(time.RFC3339)
}

// String names an interval for messages.
func (iv Interval) String() string {
	return fmt.Sprintf("[%s, %s)", fmtTime(iv.From), fmtTime(iv.Until))
}
