package yara

import (
	"slices"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// gate returns strings of which at least one must have matched for x to
// be true, or nil when x can be true with none matched (or that cannot
// be shown from its shape). Evaluate skips a rule whose gate strings all
// went unmatched: its condition is false there, so the result is the
// same and the cost of evaluating thousands of conditions on a file that
// hit none of their strings is not paid.
//
// Only shapes that imply a match are followed: $a (with at or in), a
// quantified `of` that needs at least one string, #a compared so that it
// must be at least 1, `and` (either side's gate) and `or` (both sides'
// gates joined), and a reference to an earlier gated rule. `not`, loops
// and everything else give nil.
func (rc *ruleCompiler) gate(x syntax.Expr) []int {
	switch n := x.(type) {
	case *syntax.Paren:
		return rc.gate(n.X)
	case *syntax.StringRef:
		return rc.gateString(n.Name)
	case *syntax.Of:
		if !quantNeedsOne(n.Q) {
			return nil
		}
		set, err := rc.stringSet(n.Set)
		if err != nil {
			return nil
		}
		return slices.Clone(set)
	case *syntax.Ident:
		for i := len(rc.vars) - 1; i >= 0; i-- {
			if rc.vars[i] == n.Name {
				return nil
			}
		}
		if idx, ok := rc.ns.rules[n.Name]; ok {
			return slices.Clone(rc.c.rules.Rules[idx].gate)
		}
	case *syntax.Binary:
		switch n.Op {
		case "and":
			l, r := rc.gate(n.L), rc.gate(n.R)
			switch {
			case l == nil:
				return r
			case r == nil || len(l) <= len(r):
				return l
			}
			return r
		case "or":
			l, r := rc.gate(n.L), rc.gate(n.R)
			if l == nil || r == nil {
				return nil
			}
			out := append(l, r...)
			slices.Sort(out)
			return slices.Compact(out)
		}
		return rc.gateCount(n)
	}
	return nil
}

func (rc *ruleCompiler) gateString(name string) []int {
	if len(name) < 2 {
		return nil // $ in a for-of body
	}
	g, ok := rc.strings["$"+name[1:]]
	if !ok {
		return nil
	}
	return []int{g}
}

// gateCount gates #a > c (c ≥ 0), #a >= c, #a == c (c ≥ 1), #a != 0
// and the same with the operands swapped.
func (rc *ruleCompiler) gateCount(n *syntax.Binary) []int {
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

// quantNeedsOne reports whether a quantifier is false when no string
// of its (non-empty) set matched.
func quantNeedsOne(q syntax.Quant) bool {
	switch q.Kind {
	case "any", "all":
		return true
	case "expr", "percent":
		lit, ok := q.N.(*syntax.IntLit)
		return ok && lit.V >= 1
	}
	return false
}
