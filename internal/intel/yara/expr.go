package yara

import (
	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

func constFn(v value) evalFn { return func(*evalCtx) value { return v } }

// expr type-checks a condition expression and compiles it to a closure.
func (rc *ruleCompiler) expr(x syntax.Expr) (evalFn, typ, error) {
	switch n := x.(type) {
	case *syntax.IntLit:
		return constFn(vInt(n.V)), tInt, nil
	case *syntax.FloatLit:
		return constFn(vFloat(n.V)), tFloat, nil
	case *syntax.StrLit:
		return constFn(vStr(n.V)), tStr, nil
	case *syntax.BoolLit:
		return constFn(vBool(n.V)), tBool, nil
	case *syntax.Paren:
		return rc.expr(n.X)
	case *syntax.KeywordExpr:
		return rc.keyword(n)
	case *syntax.Ident:
		return rc.ident(n)
	case *syntax.StringRef:
		return rc.stringMatch(n)
	case *syntax.StringCount:
		return rc.stringCount(n)
	case *syntax.StringOffset:
		return rc.stringNth(n.P, n.Name, n.I, true)
	case *syntax.StringLength:
		return rc.stringNth(n.P, n.Name, n.I, false)
	case *syntax.Unary:
		return rc.unary(n)
	case *syntax.Binary:
		return rc.binary(n)
	case *syntax.Of:
		return rc.of(n)
	case *syntax.ForOf:
		return rc.forOf(n)
	case *syntax.ForIn:
		return rc.forIn(n)
	case *syntax.Call:
		return rc.call(n)
	case *syntax.Member, *syntax.Index:
		return rc.moduleExpr(x)
	}
	return nil, 0, rc.errf(x.Position(), "syntax error: unexpected expression")
}

func (rc *ruleCompiler) keyword(n *syntax.KeywordExpr) (evalFn, typ, error) {
	switch n.Name {
	case "filesize":
		return func(e *evalCtx) value { return vInt(int64(len(e.in.Data))) }, tInt, nil
	case "entrypoint":
		return func(e *evalCtx) value {
			if !e.in.HasEntrypoint {
				return undef
			}
			return vInt(e.in.Entrypoint)
		}, tInt, nil
	}
	return nil, 0, rc.errf(n.P, "syntax error, unexpected %q", n.Name)
}

func (rc *ruleCompiler) ident(n *syntax.Ident) (evalFn, typ, error) {
	for i := len(rc.vars) - 1; i >= 0; i-- {
		if rc.vars[i] == n.Name {
			slot := i
			if rc.varMT[slot] != nil {
				return nil, 0, rc.errf(n.P, "wrong usage of identifier %q: it is a structure", n.Name)
			}
			return func(e *evalCtx) value { return e.vars[slot] }, rc.varTyps[slot], nil
		}
	}
	if idx, ok := rc.ns.rules[n.Name]; ok {
		return func(e *evalCtx) value { return vBool(e.results[idx]) }, tBool, nil
	}
	if v, ok := rc.c.rules.externals[n.Name]; ok {
		name := n.Name
		return func(e *evalCtx) value { return anyToValue(e.external(name)) }, typeOf(v), nil
	}
	if rc.imports[n.Name] {
		return nil, 0, rc.errf(n.P, "module %q used without a member", n.Name)
	}
	return nil, 0, rc.errf(n.P, "undefined identifier %q", n.Name)
}

func (rc *ruleCompiler) stringMatch(n *syntax.StringRef) (evalFn, typ, error) {
	g, err := rc.stringRef(n.P, n.Name)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case n.At != nil:
		at, t, err := rc.expr(n.At)
		if err != nil {
			return nil, 0, err
		}
		if err := rc.want(n.At, t, tInt); err != nil {
			return nil, 0, err
		}
		return func(e *evalCtx) value {
			off := at(e)
			if off.k == tUndef {
				return vBool(false)
			}
			for _, m := range e.matches(g) {
				if m.Off == off.i {
					return vBool(true)
				}
			}
			return vBool(false)
		}, tBool, nil
	case n.In != nil:
		lo, hi, err := rc.rangeFns(n.In)
		if err != nil {
			return nil, 0, err
		}
		return func(e *evalCtx) value {
			l, h := lo(e), hi(e)
			if l.k == tUndef || h.k == tUndef {
				return vBool(false)
			}
			for _, m := range e.matches(g) {
				if m.Off >= l.i && m.Off <= h.i {
					return vBool(true)
				}
			}
			return vBool(false)
		}, tBool, nil
	}
	return func(e *evalCtx) value { return vBool(len(e.matches(g)) > 0) }, tBool, nil
}

func (rc *ruleCompiler) stringCount(n *syntax.StringCount) (evalFn, typ, error) {
	g, err := rc.stringRef(n.P, n.Name)
	if err != nil {
		return nil, 0, err
	}
	if n.In == nil {
		return func(e *evalCtx) value { return vInt(int64(len(e.matches(g)))) }, tInt, nil
	}
	lo, hi, err := rc.rangeFns(n.In)
	if err != nil {
		return nil, 0, err
	}
	return func(e *evalCtx) value {
		l, h := lo(e), hi(e)
		if l.k == tUndef || h.k == tUndef {
			return undef
		}
		c := 0
		for _, m := range e.matches(g) {
			if m.Off >= l.i && m.Off <= h.i {
				c++
			}
		}
		return vInt(int64(c))
	}, tInt, nil
}

// stringNth is @a[i] (offset) or !a[i] (length); i is 1-based.
func (rc *ruleCompiler) stringNth(p syntax.Pos, name string, ix syntax.Expr, offset bool) (evalFn, typ, error) {
	g, err := rc.stringRef(p, name)
	if err != nil {
		return nil, 0, err
	}
	idx := constFn(vInt(1))
	if ix != nil {
		var t typ
		if idx, t, err = rc.expr(ix); err != nil {
			return nil, 0, err
		}
		if err := rc.want(ix, t, tInt); err != nil {
			return nil, 0, err
		}
	}
	return func(e *evalCtx) value {
		i := idx(e)
		ms := e.matches(g)
		if i.k == tUndef || i.i < 1 || i.i > int64(len(ms)) {
			return undef
		}
		if offset {
			return vInt(ms[i.i-1].Off)
		}
		return vInt(int64(ms[i.i-1].Len))
	}, tInt, nil
}

func (rc *ruleCompiler) rangeFns(r *syntax.Range) (evalFn, evalFn, error) {
	lo, lt, err := rc.expr(r.Lo)
	if err != nil {
		return nil, nil, err
	}
	hi, ht, err := rc.expr(r.Hi)
	if err != nil {
		return nil, nil, err
	}
	if err := rc.want(r.Lo, lt, tInt); err != nil {
		return nil, nil, err
	}
	return lo, hi, rc.want(r.Hi, ht, tInt)
}

// want checks that an operand has type t; loop variables (tUndef) are
// checked at run time.
func (rc *ruleCompiler) want(x syntax.Expr, got, t typ) error {
	if got == t || got == tUndef {
		return nil
	}
	return rc.errf(x.Position(), "wrong type for operand: got %s, want %s", got, t)
}
