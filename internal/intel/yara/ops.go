package yara

import (
	"bytes"
	"math"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

func (rc *ruleCompiler) unary(n *syntax.Unary) (evalFn, typ, error) {
	x, t, err := rc.expr(n.X)
	if err != nil {
		return nil, 0, err
	}
	switch n.Op {
	case "not":
		return func(e *evalCtx) value {
			v := x(e)
			if v.k == tUndef {
				return undef
			}
			return vBool(!v.truth())
		}, tBool, nil
	case "defined":
		return func(e *evalCtx) value { return vBool(x(e).k != tUndef) }, tBool, nil
	case "-":
		if t != tInt && t != tFloat {
			return nil, 0, rc.errf(n.P, "wrong type for operand of -: %s", t)
		}
		return func(e *evalCtx) value {
			v := x(e)
			switch v.k {
			case tInt:
				return vInt(-v.i)
			case tFloat:
				return vFloat(-v.f)
			}
			return undef
		}, t, nil
	}
	if err := rc.want(n.X, t, tInt); err != nil {
		return nil, 0, err
	}
	return func(e *evalCtx) value {
		v := x(e)
		if v.k != tInt {
			return undef
		}
		return vInt(^v.i)
	}, tInt, nil
}

func (rc *ruleCompiler) binary(n *syntax.Binary) (evalFn, typ, error) {
	if n.Op == "matches" {
		return rc.matches(n)
	}
	l, lt, err := rc.expr(n.L)
	if err != nil {
		return nil, 0, err
	}
	r, rt, err := rc.expr(n.R)
	if err != nil {
		return nil, 0, err
	}
	switch n.Op {
	// As yara's jumps: only a defined false (and) or a defined true (or)
	// skips the right operand; an undefined left one evaluates it, which
	// shows through console.log.
	case "and":
		return func(e *evalCtx) value {
			a := l(e)
			if a.k != tUndef && !a.truth() {
				return vBool(false)
			}
			return vBool(r(e).truth() && a.truth())
		}, tBool, nil
	case "or":
		return func(e *evalCtx) value {
			a := l(e)
			if a.k != tUndef && a.truth() {
				return vBool(true)
			}
			return vBool(r(e).truth())
		}, tBool, nil
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iequals":
		if err := rc.want(n.L, lt, tStr); err != nil {
			return nil, 0, err
		}
		if err := rc.want(n.R, rt, tStr); err != nil {
			return nil, 0, err
		}
		f := stringOps[n.Op]
		return func(e *evalCtx) value {
			a, b := l(e), r(e)
			if a.k != tStr || b.k != tStr {
				return undef
			}
			return vBool(f(a.s, b.s))
		}, tBool, nil
	case "==", "!=", "<", "<=", ">", ">=":
		return rc.compare(n, l, lt, r, rt)
	}
	return rc.arith(n, l, lt, r, rt)
}

var stringOps = map[string]func(a, b string) bool{
	"contains":    strings.Contains,
	"icontains":   func(a, b string) bool { return bytes.Contains(lower(a), lower(b)) },
	"startswith":  strings.HasPrefix,
	"istartswith": func(a, b string) bool { return bytes.HasPrefix(lower(a), lower(b)) },
	"endswith":    strings.HasSuffix,
	"iendswith":   func(a, b string) bool { return bytes.HasSuffix(lower(a), lower(b)) },
	"iequals":     func(a, b string) bool { return bytes.Equal(lower(a), lower(b)) },
}

// lower folds ASCII letters only, as YARA does.
func lower(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return b
}

func isNum(t typ) bool { return t == tInt || t == tFloat || t == tUndef }

func (rc *ruleCompiler) compare(n *syntax.Binary, l evalFn, lt typ, r evalFn, rt typ) (evalFn, typ, error) {
	strs := lt == tStr || rt == tStr
	if strs && (lt != tStr && lt != tUndef || rt != tStr && rt != tUndef) {
		return nil, 0, rc.errf(n.P, "mismatching types for %s: %s and %s", n.Op, lt, rt)
	}
	if lt == tBool && rt == tBool && (n.Op == "==" || n.Op == "!=") {
		strs = false
	} else if !strs && (!isNum(lt) || !isNum(rt)) {
		return nil, 0, rc.errf(n.P, "wrong type for operands of %s: %s and %s", n.Op, lt, rt)
	}
	op := n.Op
	return func(e *evalCtx) value {
		a, b := l(e), r(e)
		if a.k == tUndef || b.k == tUndef {
			return undef
		}
		var c int
		switch {
		case a.k == tStr && b.k == tStr:
			c = strings.Compare(a.s, b.s)
		case a.k == tStr || b.k == tStr:
			return undef
		case a.k == tFloat || b.k == tFloat:
			x, y := a.num(), b.num()
			c = map[bool]int{true: -1, false: 0}[x < y]
			if x > y {
				c = 1
			}
		default:
			c = map[bool]int{true: -1, false: 0}[a.i < b.i]
			if a.i > b.i {
				c = 1
			}
		}
		return vBool(cmpHolds(op, c))
	}, tBool, nil
}

func cmpHolds(op string, c int) bool {
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func isZero(x syntax.Expr) bool {
	for {
		p, ok := x.(*syntax.Paren)
		if !ok {
			break
		}
		x = p.X
	}
	switch v := x.(type) {
	case *syntax.IntLit:
		return v.V == 0
	case *syntax.FloatLit:
		return v.V == 0
	}
	return false
}

func (rc *ruleCompiler) arith(n *syntax.Binary, l evalFn, lt typ, r evalFn, rt typ) (evalFn, typ, error) {
	intOnly := n.Op != "+" && n.Op != "-" && n.Op != "*" && n.Op != "\\"
	if !isNum(lt) || !isNum(rt) || intOnly && (lt == tFloat || rt == tFloat) {
		return nil, 0, rc.errf(n.P, "wrong type for operands of %s: %s and %s", n.Op, lt, rt)
	}
	if (n.Op == "\\" || n.Op == "%") && isZero(n.R) {
		return nil, 0, rc.errf(n.R.Position(), "division by zero")
	}
	t := tInt
	if lt == tFloat || rt == tFloat {
		t = tFloat
	}
	op := n.Op
	return func(e *evalCtx) value {
		a, b := l(e), r(e)
		if a.k == tUndef || b.k == tUndef || a.k != tInt && a.k != tFloat || b.k != tInt && b.k != tFloat {
			return undef
		}
		if a.k == tFloat || b.k == tFloat {
			return floatOp(op, a.num(), b.num())
		}
		return intOp(op, a.i, b.i)
	}, t, nil
}

func floatOp(op string, a, b float64) value {
	switch op {
	case "+":
		return vFloat(a + b)
	case "-":
		return vFloat(a - b)
	case "*":
		return vFloat(a * b)
	case "\\":
		if b == 0 {
			return undef
		}
		return vFloat(a / b)
	}
	return undef
}

func intOp(op string, a, b int64) value {
	switch op {
	case "+":
		return vInt(a + b)
	case "-":
		return vInt(a - b)
	case "*":
		return vInt(a * b)
	case "\\":
		if b == 0 || a == math.MinInt64 && b == -1 {
			return undef
		}
		return vInt(a / b)
	case "%":
		if b == 0 || a == math.MinInt64 && b == -1 {
			return undef
		}
		return vInt(a % b)
	case "&":
		return vInt(a & b)
	case "|":
		return vInt(a | b)
	case "^":
		return vInt(a ^ b)
	case "<<":
		if b < 0 {
			return undef
		}
		if b >= 64 {
			return vInt(0)
		}
		return vInt(a << uint(b))
	case ">>":
		if b < 0 {
			return undef
		}
		if b >= 64 {
			return vInt(0)
		}
		return vInt(a >> uint(b))
	}
	return undef
}

func (rc *ruleCompiler) matches(n *syntax.Binary) (evalFn, typ, error) {
	l, lt, err := rc.expr(n.L)
	if err != nil {
		return nil, 0, err
	}
	if err := rc.want(n.L, lt, tStr); err != nil {
		return nil, 0, err
	}
	re := n.R.(*syntax.RegexLit)
	node, err := regex.Parse(re.Text, strings.Contains(re.Flags, "i"), strings.Contains(re.Flags, "s"))
	if err != nil {
		return nil, 0, rc.errf(re.P, "invalid regular expression: %v", err)
	}
	prog, err := regex.Compile(node)
	if err != nil {
		return nil, 0, rc.errf(re.P, "invalid regular expression: %v", err)
	}
	return func(e *evalCtx) value {
		v := l(e)
		if v.k != tStr {
			return undef
		}
		var m regex.Matcher
		m.SetBudget(1 << 22)
		data := []byte(v.s)
		for start := 0; start <= len(data); start++ {
			_, ok, err := m.MatchAt(prog, data, start, -1)
			if err != nil {
				e.err = err
				return undef
			}
			if ok {
				return vBool(true)
			}
		}
		return vBool(false)
	}, tBool, nil
}
