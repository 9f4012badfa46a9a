package stixpattern

// Comparison is one test of a Disjunction: Path Op Value, where Op is "=",
// "LIKE" or "ISSUBSET" and Value is the string constant as decoded.
type Comparison struct {
	Path  Path
	Op    string
	Value string
}

// Disjunction returns the pattern's comparisons, in source order, when the
// pattern is bracketed observation expressions joined by OR, each of
// comparisons joined by OR, every comparison a path compared with a string
// constant by =, LIKE or ISSUBSET; no AND, NOT, qualifier or parentheses.
// Such a pattern matches exactly when one observation holds an object for
// which one comparison holds, so a caller may index its comparisons
// instead of evaluating it. ok is false for any other pattern.
func (p *Pattern) Disjunction() (cmps []Comparison, ok bool) {
	var obs []*obsNode
	switch n := p.root; {
	case n.paren:
		return nil, false
	case n.kind == obsSimple:
		obs = []*obsNode{n}
	case n.kind == obsOr:
		obs = n.kids
	default:
		return nil, false
	}
	for _, o := range obs {
		if o.kind != obsSimple || o.paren {
			return nil, false
		}
		if cmps, ok = appendTests(cmps, o.cmp); !ok {
			return nil, false
		}
	}
	return cmps, true
}

// appendTests appends the tests of an OR of comparisons.
func appendTests(out []Comparison, c *cmpNode) ([]Comparison, bool) {
	if c.paren {
		return nil, false
	}
	if c.kind == cmpOr {
		for _, k := range c.kids {
			var ok bool
			if out, ok = appendTests(out, k); !ok {
				return nil, false
			}
		}
		return out, true
	}
	if c.kind != cmpTest || c.not || c.lit.kind != litString {
		return nil, false
	}
	switch c.op {
	case opEQ, opLIKE, opISSUBSET:
		return append(out, Comparison{Path: c.path, Op: c.op.String(), Value: c.lit.str}), true
	}
	return nil, false
}
