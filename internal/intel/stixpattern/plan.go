package stixpattern

import (
	"slices"
	"strconv"
	"time"
)

// pkind is a node kind of the search plan: the observation-expression tree
// with START/STOP folded into the leaves' candidates, REPEATS folded into
// leaf demands or expanded into copies, and WITHIN dropped where trivial.
type pkind uint8

const (
	pLeaf pkind = iota
	pAnd
	pOr
	pFB
	pWithin
)

type pnode struct {
	kind   pkind
	kids   []*pnode
	leaf   int           // pLeaf: index of the observation expression
	demand int64         // pLeaf: observation instances required
	cands  []int32       // pLeaf: observations matching, within START/STOP
	from   map[int32]int // merged OR leaf: the expression each candidate matched
	d      duration      // pWithin
	label  string        // pLeaf: which REPEATS copy, "" outside copies
	group  int           // copy key of a REPEATS expansion: group > 0
	copy   int           // copy number within the group, from 0
	under  []*pnode      // cached: the leaves in this subtree
	// cached: the leaves outside OR branches (non-nil once computed)
	required []*pnode
}

// window is the conjunction of START/STOP qualifiers above a node: an
// observation passes if last_observed >= lo and first_observed < hi. A
// qualifier whose start is not before its stop admits nothing (empty).
type window struct {
	lo, hi time.Time
	set    bool
	empty  bool
}

func (w window) and(start, stop time.Time) window {
	if !start.Before(stop) {
		w.empty = true
	}
	if !w.set {
		return window{lo: start, hi: stop, set: true, empty: w.empty}
	}
	if start.After(w.lo) {
		w.lo = start
	}
	if stop.Before(w.hi) {
		w.hi = stop
	}
	return w
}

func (w window) admits(o *Observation) bool {
	return !w.set || (!w.empty && !o.LastObserved.Before(w.lo) && o.FirstObserved.Before(w.hi))
}

type planner struct {
	obs      []Observation
	cands    [][]int32
	nodes    int
	maxNodes int
	groups   int
	capacity int64 // all observation instances, saturated
}

const satMax = int64(1) << 62

func satMul(a, b int64) int64 {
	if a != 0 && b > satMax/a {
		return satMax
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if a > satMax-b {
		return satMax
	}
	return a + b
}

func (pl *planner) build(n *obsNode, w window) (*pnode, error) {
	pl.nodes++
	if pl.nodes > pl.maxNodes {
		return nil, ErrTooComplex
	}
	switch n.kind {
	case obsSimple:
		var cands []int32
		for _, i := range pl.cands[n.leaf] {
			if w.admits(&pl.obs[i]) {
				cands = append(cands, i)
			}
		}
		return &pnode{kind: pLeaf, leaf: n.leaf, demand: 1, cands: cands}, nil
	case obsStartStop:
		return pl.build(n.kids[0], w.and(n.start, n.stop))
	case obsWithin:
		c, err := pl.build(n.kids[0], w)
		if err != nil || (c.kind == pLeaf && c.demand == 1) {
			return c, err // one observation is always within any window
		}
		return &pnode{kind: pWithin, d: n.within, kids: []*pnode{c}}, nil
	case obsRepeats:
		c, err := pl.build(n.kids[0], w)
		if err != nil {
			return nil, err
		}
		return pl.repeat(c, n.count)
	}
	kind := map[obsKind]pkind{obsAnd: pAnd, obsOr: pOr, obsFollowedBy: pFB}[n.kind]
	out := &pnode{kind: kind}
	twins, order := map[string][]*pnode{}, []string{}
	for _, k := range n.kids {
		c, err := pl.build(k, w)
		if err != nil {
			return nil, err
		}
		if key := k.String(); kind == pAnd && hasChoice(c) {
			if twins[key] == nil {
				order = append(order, key)
			}
			twins[key] = append(twins[key], c)
		}
		if c.kind == kind && kind != pFB {
			out.kids = append(out.kids, c.kids...) // AND and OR are associative
		} else {
			out.kids = append(out.kids, c)
		}
	}
	for _, key := range order {
		pl.markCopies(twins[key]) // X AND X is X REPEATS 2 TIMES
	}
	if kind == pOr {
		return mergeOrLeaves(out), nil
	}
	return out, nil
}

// mergeOrLeaves turns an OR of single observation expressions into one
// leaf whose candidates are the union: binding one observation to "a OR b"
// is binding it to a or to b, so nothing is lost, and the OR needs no
// decision.
func mergeOrLeaves(n *pnode) *pnode {
	for _, k := range n.kids {
		if k.kind != pLeaf || k.demand != 1 || k.from != nil {
			return n
		}
	}
	m := &pnode{kind: pLeaf, leaf: n.kids[0].leaf, demand: 1, label: n.kids[0].label, from: map[int32]int{}}
	for _, k := range n.kids {
		for _, i := range k.cands {
			if _, seen := m.from[i]; !seen {
				m.from[i] = k.leaf
				m.cands = append(m.cands, i)
			}
		}
	}
	slices.Sort(m.cands)
	return m
}

// markCopies makes interchangeable subtrees one symmetry group.
func (pl *planner) markCopies(copies []*pnode) {
	if len(copies) < 2 {
		return
	}
	pl.groups++
	for i, c := range copies {
		if key := copyKey(c); key != nil && key.group == 0 {
			key.group, key.copy = pl.groups, i
		}
	}
}

// repeat builds n disjoint copies of c. Without any choice inside c, the
// copies differ only in which observations they use, so multiplying the
// leaf demands is exact. Otherwise c is copied n times (bounded by the plan
// size limit), after checking that n copies could fit at all.
func (pl *planner) repeat(c *pnode, n int64) (*pnode, error) {
	if n == 1 {
		return c, nil
	}
	if !hasChoice(c) {
		for _, l := range leavesOf(c) {
			l.demand = satMul(l.demand, n)
		}
		return c, nil
	}
	if satMul(minUnits(c), n) > pl.capacity {
		return &pnode{kind: pLeaf, leaf: leavesOf(c)[0].leaf, demand: 1}, nil // cannot match
	}
	size := countNodes(c)
	if n > int64(pl.maxNodes) || pl.nodes+size*int(n) > pl.maxNodes {
		return nil, ErrTooComplex
	}
	pl.nodes += size * int(n)
	out := &pnode{kind: pAnd}
	var copies []*pnode
	for i := int64(0); i < n; i++ {
		inner := map[int]int{}
		cp := clone(c, strconv.FormatInt(i+1, 10), func(g int) int {
			if _, ok := inner[g]; !ok {
				pl.groups++
				inner[g] = pl.groups
			}
			return inner[g]
		})
		copies = append(copies, cp)
	}
	pl.markCopies(copies) // a copy key already serving an inner group keeps it
	out.kids = copies
	return out, nil
}
