package stixpattern

// hasChoice reports whether the subtree has an OR, FOLLOWEDBY or WITHIN,
// the nodes the search must decide.
func hasChoice(n *pnode) bool {
	if n.kind != pLeaf && n.kind != pAnd {
		return true
	}
	for _, k := range n.kids {
		if hasChoice(k) {
			return true
		}
	}
	return false
}

// leavesOf returns the leaves of the subtree, including those under every
// OR branch.
func leavesOf(n *pnode) []*pnode {
	if n.under != nil {
		return n.under
	}
	if n.kind == pLeaf {
		n.under = []*pnode{n}
		return n.under
	}
	var out []*pnode
	for _, k := range n.kids {
		out = append(out, leavesOf(k)...)
	}
	n.under = out
	return out
}

// minUnits is the fewest observation instances any binding of n uses.
func minUnits(n *pnode) int64 {
	switch n.kind {
	case pLeaf:
		return n.demand
	case pOr:
		best := satMax
		for _, k := range n.kids {
			best = min(best, minUnits(k))
		}
		return best
	case pWithin:
		return minUnits(n.kids[0])
	}
	var sum int64
	for _, k := range n.kids {
		sum = satAdd(sum, minUnits(k))
	}
	return sum
}

func countNodes(n *pnode) int {
	c := 1
	for _, k := range n.kids {
		c += countNodes(k)
	}
	return c
}

// clone copies a subtree for one REPEATS copy, prefixing leaf labels and
// giving the copy keys of inner expansions groups of their own (regroup).
func clone(n *pnode, label string, regroup func(int) int) *pnode {
	c := *n
	c.under, c.required, c.group, c.copy = nil, nil, 0, 0
	if n.kind == pLeaf {
		c.label = label
		if n.label != "" {
			c.label = label + "." + n.label
		}
	}
	c.kids = make([]*pnode, len(n.kids))
	for i, k := range n.kids {
		c.kids[i] = clone(k, label, regroup)
	}
	if n.group > 0 {
		c.group, c.copy = regroup(n.group), n.copy
	}
	return &c
}

// copyKey returns the first decision every binding of n makes: the node
// itself, or the first decision reached through AND nodes only. Copies of a
// REPEATS are interchangeable, so the search may require their copy keys'
// choices to be non-decreasing (symmetry breaking).
func copyKey(n *pnode) *pnode {
	switch n.kind {
	case pOr, pFB, pWithin:
		return n
	case pAnd:
		for _, k := range n.kids {
			if key := copyKey(k); key != nil {
				return key
			}
		}
	}
	return nil
}

// requiredLeaves returns the leaves every binding of n uses: all of them
// except those below an OR.
func requiredLeaves(n *pnode) []*pnode {
	if n.required != nil || n.kind == pOr {
		return n.required
	}
	if n.kind == pLeaf {
		n.required = []*pnode{n}
		return n.required
	}
	out := []*pnode{}
	for _, k := range n.kids {
		out = append(out, requiredLeaves(k)...)
	}
	n.required = out
	return out
}
