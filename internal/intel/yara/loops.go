package yara

import (
	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// quantFn compiles a quantifier into a test of (satisfied, total).
func (rc *ruleCompiler) quantFn(q syntax.Quant) (func(e *evalCtx, sat, total int64) value, error) {
	switch q.Kind {
	case "all":
		return func(_ *evalCtx, sat, total int64) value { return vBool(sat == total) }, nil
	case "any":
		return func(_ *evalCtx, sat, _ int64) value { return vBool(sat >= 1) }, nil
	case "none":
		return func(_ *evalCtx, sat, _ int64) value { return vBool(sat == 0) }, nil
	}
	n, t, err := rc.expr(q.N)
	if err != nil {
		return nil, err
	}
	if err := rc.want(q.N, t, tInt); err != nil {
		return nil, err
	}
	if q.Kind == "percent" {
		if lit, ok := q.N.(*syntax.IntLit); ok && (lit.V < 1 || lit.V > 100) {
			return nil, rc.errf(q.P, "percentage must be between 1 and 100")
		}
		return func(e *evalCtx, sat, total int64) value {
			p := n(e)
			if p.k != tInt {
				return undef
			}
			return vBool(sat*100 >= p.i*total)
		}, nil
	}
	return func(e *evalCtx, sat, _ int64) value {
		k := n(e)
		if k.k != tInt {
			return undef
		}
		return vBool(sat >= k.i)
	}, nil
}

func (rc *ruleCompiler) of(n *syntax.Of) (evalFn, typ, error) {
	set, err := rc.stringSet(n.Set)
	if err != nil {
		return nil, 0, err
	}
	q, err := rc.quantFn(n.Q)
	if err != nil {
		return nil, 0, err
	}
	var lo, hi evalFn
	if n.In != nil {
		if lo, hi, err = rc.rangeFns(n.In); err != nil {
			return nil, 0, err
		}
	}
	return func(e *evalCtx) value {
		var sat int64
		var l, h value
		if lo != nil {
			if l, h = lo(e), hi(e); l.k == tUndef || h.k == tUndef {
				return vBool(false)
			}
		}
		for _, g := range set {
			for _, m := range e.matches(g) {
				if lo == nil || m.Off >= l.i && m.Off <= h.i {
					sat++
					break
				}
			}
		}
		return q(e, sat, int64(len(set)))
	}, tBool, nil
}

func (rc *ruleCompiler) forOf(n *syntax.ForOf) (evalFn, typ, error) {
	set, err := rc.stringSet(n.Set)
	if err != nil {
		return nil, 0, err
	}
	q, err := rc.quantFn(n.Q)
	if err != nil {
		return nil, 0, err
	}
	rc.inForOf++
	body, _, err := rc.expr(n.Body)
	rc.inForOf--
	if err != nil {
		return nil, 0, err
	}
	return func(e *evalCtx) value {
		var sat int64
		for _, g := range set {
			e.cur = append(e.cur, g)
			if body(e).truth() {
				sat++
			}
			e.cur = e.cur[:len(e.cur)-1]
		}
		return q(e, sat, int64(len(set)))
	}, tBool, nil
}

// iterator yields the loop values of a for-in; it calls yield until it
// returns false.
type iterator func(e *evalCtx, yield func(vals []value) bool) (total int64, ok bool)

func (rc *ruleCompiler) forIn(n *syntax.ForIn) (evalFn, typ, error) {
	q, err := rc.quantFn(n.Q)
	if err != nil {
		return nil, 0, err
	}
	it, types, mts, err := rc.iterable(n.Iter, len(n.Vars))
	if err != nil {
		return nil, 0, err
	}
	base := len(rc.vars)
	for _, v := range n.Vars {
		for _, old := range rc.vars {
			if old == v {
				return nil, 0, rc.errf(n.P, "duplicated loop variable %q", v)
			}
		}
	}
	rc.vars = append(rc.vars, n.Vars...)
	rc.varTyps = append(rc.varTyps, types...)
	if mts == nil {
		mts = make([]*mtype, len(types))
	}
	rc.varMT = append(rc.varMT, mts...)
	body, _, err := rc.expr(n.Body)
	rc.vars, rc.varTyps, rc.varMT = rc.vars[:base], rc.varTyps[:base], rc.varMT[:base]
	if err != nil {
		return nil, 0, err
	}
	return func(e *evalCtx) value {
		var sat int64
		saved := len(e.vars)
		total, ok := it(e, func(vals []value) bool {
			e.vars = append(e.vars[:saved], vals...)
			if body(e).truth() {
				sat++
			}
			return e.tick()
		})
		e.vars = e.vars[:saved]
		if !ok || total == 0 {
			return vBool(false)
		}
		return q(e, sat, total)
	}, tBool, nil
}

func (rc *ruleCompiler) iterable(x syntax.Expr, nvars int) (iterator, []typ, []*mtype, error) {
	switch it := x.(type) {
	case *syntax.Range:
		if nvars != 1 {
			return nil, nil, nil, rc.errf(it.P, "wrong number of loop variables")
		}
		lo, hi, err := rc.rangeFns(it)
		if err != nil {
			return nil, nil, nil, err
		}
		return func(e *evalCtx, yield func([]value) bool) (int64, bool) {
			l, h := lo(e), hi(e)
			if l.k != tInt || h.k != tInt || l.i > h.i {
				return 0, false
			}
			buf := []value{{}}
			for i := l.i; ; i++ {
				buf[0] = vInt(i)
				if !yield(buf) || i == h.i {
					break
				}
			}
			return h.i - l.i + 1, e.err == nil
		}, []typ{tInt}, nil, nil
	case *syntax.Enum:
		if nvars != 1 {
			return nil, nil, nil, rc.errf(it.P, "wrong number of loop variables")
		}
		var fns []evalFn
		var t typ
		for i, item := range it.Items {
			f, ft, err := rc.expr(item)
			if err != nil {
				return nil, nil, nil, err
			}
			if i > 0 && ft != t || ft != tInt && ft != tStr {
				return nil, nil, nil, rc.errf(item.Position(), "wrong type in enumeration: %s", ft)
			}
			t = ft
			fns = append(fns, f)
		}
		return func(e *evalCtx, yield func([]value) bool) (int64, bool) {
			buf := []value{{}}
			for _, f := range fns {
				buf[0] = f(e)
				if !yield(buf) {
					break
				}
			}
			return int64(len(fns)), e.err == nil
		}, []typ{t}, nil, nil
	}
	return rc.moduleIterable(x, nvars)
}
