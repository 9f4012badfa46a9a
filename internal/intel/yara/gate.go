package yara

import (
	"slices"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// gateGroup says that at least k of the strings strs matched.
type gateGroup struct {
	strs []int
	k    int
}

// gate returns groups that must all hold for x to be true, or nil when
// x can be true with no string matched (or that cannot be shown from
// its shape). Evaluate skips a rule whose groups do not all hold: its
// condition is false there, so the result is the same and the cost of
// evaluating thousands of conditions on a file that hit none (or too
// few) of their strings is not paid.
//
// Only shapes that imply matches are followed: $a (with at or in), a
// quantified `of` (N of them needs N strings, all of them every one),
// #a compared so that it must be at least 1, `and` (both sides' groups),
// `or` (one group from each side, joined, needing the fewer), and a
// reference to an earlier gated rule. `not`, loops and everything else
// give nil.
func (rc *ruleCompiler) gate(x syntax.Expr) []gateGroup {
	switch n := x.(type) {
	case *syntax.Paren:
		return rc.gate(n.X)
	case *syntax.StringRef:
		return rc.gateString(n.Name)
	case *syntax.Of:
		set, err := rc.stringSet(n.Set)
		if err != nil || len(set) == 0 {
			return nil
		}
		if k := quantNeeds(n.Q, len(set)); k > 0 {
			return []gateGroup{{strs: slices.Clone(set), k: k}}
		}
	case *syntax.Ident:
		for i := len(rc.vars) - 1; i >= 0; i-- {
			if rc.vars[i] == n.Name {
				return nil
			}
		}
		if idx, ok := rc.ns.rules[n.Name]; ok {
			return slices.Clone(rc.c.rules.Rules[idx].groups)
		}
	case *syntax.Binary:
		switch n.Op {
		case "and":
			return append(rc.gate(n.L), rc.gate(n.R)...)
		case "or":
			l, r := rc.gate(n.L), rc.gate(n.R)
			if l == nil || r == nil {
				return nil
			}
			strs := append(slices.Clone(l[0].strs), r[0].strs...)
			slices.Sort(strs)
			return []gateGroup{{strs: slices.Compact(strs), k: min(l[0].k, r[0].k)}}
		}
		return rc.gateCount(n)
	}
	return nil
}

func (rc *ruleCompiler) gateString(name string) []gateGroup {
	if len(name) < 2 {
		return nil // $ in a for-of body
	}
	g, ok := rc.strings["$"+name[1:]]
	if !ok {
		return nil
	}
	return []gateGroup{{strs: []int{g}, k: 1}}
}

// gateCount gates #a > c (c ≥ 0), #a >= c, #a == c (c ≥ 1), #a != 0
// and the same with the operands swapped.
func (rc *ruleCompiler) gateCount(n *syntax.Binary) []gateGroup {
	op := n.Op
	cnt, ok := n.L.(*syntax.StringCount)
	lit, litOK := n.R.(*syntax.IntLit)
	if !ok || !litOK {
		cnt, ok = n.R.(*syntax.StringCount)
		lit, litOK = n.L.(*syntax.IntLit)
		if !ok || !litOK {
			return nil
		}
		op = map[string]string{"<": ">", "<=": ">=", "==": "==", "!=": "!="}[op]
	}
	needs := false
	switch op {
	case ">":
		needs = lit.V >= 0
	case ">=", "==":
		needs = lit.V >= 1
	case "!=":
		needs = lit.V == 0
	}
	if !needs {
		return nil
	}
	return rc.gateString(cnt.Name)
}

// quantNeeds returns how many strings of a set of n a quantifier needs
// matched to be true (0: it may be true with none). A constant above n
// is kept: such a condition is never true.
func quantNeeds(q syntax.Quant, n int) int {
	switch q.Kind {
	case "any":
		return 1
	case "all":
		return n
	case "expr":
		if lit, ok := q.N.(*syntax.IntLit); ok && lit.V >= 1 {
			return int(min(lit.V, int64(n)+1))
		}
	case "percent":
		// sat*100 >= p*n, so sat >= ceil(p*n/100).
		if lit, ok := q.N.(*syntax.IntLit); ok && lit.V >= 1 {
			return int((min(lit.V, 100)*int64(n) + 99) / 100)
		}
	}
	return 0
}

// gateHolds reports whether every group of a rule holds over the
// matches.
func gateHolds(groups []gateGroup, ms [][]Match) bool {
	for _, gr := range groups {
		c := 0
		for _, g := range gr.strs {
			if g < len(ms) && len(ms[g]) > 0 {
				if c++; c >= gr.k {
					break
				}
			}
		}
		if c < gr.k {
			return false
		}
	}
	return true
}
