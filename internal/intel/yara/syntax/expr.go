package syntax

// Operator precedence, lowest first, as in YARA's grammar: or, and,
// not/defined, equality and string operators, relations, |, ^, &,
// shifts, + -, * \ %, unary ~ and -.

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf(p.peek(), "expression nested too deeply")
	}
	return nil
}

func (p *parser) expr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binary(0)
}

var levels = [][]string{
	{"or"},
	{"and"},
	nil, // not, defined: prefix operators at this level
	{"==", "!=", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith", "iequals", "matches"},
	{"<", "<=", ">", ">="},
	{"|"},
	{"^"},
	{"&"},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "\\", "%"},
}

func (p *parser) binary(level int) (Expr, error) {
	if level == len(levels) {
		return p.unary()
	}
	if levels[level] == nil {
		t := p.peek()
		if p.is("not") || p.is("defined") {
			if err := p.enter(); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			p.next()
			x, err := p.binary(level)
			if err != nil {
				return nil, err
			}
			return &Unary{t.Pos, t.Text, x}, nil
		}
		return p.binary(level + 1)
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		for _, o := range levels[level] {
			if p.is(o) {
				op = o
			}
		}
		// "%" right before "of" is a percentage, not a modulo.
		if op == "" || op == "%" && p.peekAt(1).Kind == Keyword && p.peekAt(1).Text == "of" {
			return l, nil
		}
		p.next()
		var r Expr
		if op == "matches" {
			rt := p.next()
			if rt.Kind != Regex {
				return nil, p.errf(rt, "syntax error, unexpected %s, expecting regular expression", rt)
			}
			r = &RegexLit{rt.Pos, rt.Text, rt.Flags}
		} else if r, err = p.binary(level + 1); err != nil {
			return nil, err
		}
		l = &Binary{t.Pos, op, l, r}
	}
}

func (p *parser) unary() (Expr, error) {
	t := p.peek()
	if p.is("-") || p.is("~") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{t.Pos, t.Text, x}, nil
	}
	x, err := p.postfix()
	if err != nil {
		return nil, err
	}
	return p.ofSuffix(x)
}

// ofSuffix turns `X of SET` and `X% of SET` into an Of node.
func (p *parser) ofSuffix(x Expr) (Expr, error) {
	q := Quant{P: x.Position(), Kind: "expr", N: x}
	if p.is("%") && p.peekAt(1).Kind == Keyword && p.peekAt(1).Text == "of" {
		p.next()
		q.Kind = "percent"
	} else if !p.is("of") {
		return x, nil
	}
	return p.of(q)
}

func (p *parser) of(q Quant) (Expr, error) {
	if _, err := p.expect("of"); err != nil {
		return nil, err
	}
	set, err := p.stringSet()
	if err != nil {
		return nil, err
	}
	o := &Of{P: q.P, Q: q, Set: set}
	if p.accept("in") {
		if o.In, err = p.rangeExpr(); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (p *parser) stringSet() (StringSet, error) {
	t := p.peek()
	if p.accept("them") {
		return StringSet{P: t.Pos, Them: true}, nil
	}
	if _, err := p.expect("("); err != nil {
		return StringSet{}, err
	}
	s := StringSet{P: t.Pos}
	for {
		id := p.next()
		if id.Kind != StrID {
			return s, p.errf(id, "syntax error, unexpected %s, expecting string identifier", id)
		}
		s.Names = append(s.Names, id.Text)
		if p.accept(")") {
			return s, nil
		}
		if _, err := p.expect(","); err != nil {
			return s, err
		}
	}
}

func (p *parser) rangeExpr() (*Range, error) {
	t, err := p.expect("(")
	if err != nil {
		return nil, err
	}
	lo, err := p.expr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(".."); err != nil {
		return nil, err
	}
	hi, err := p.expr()
	if err != nil {
		return nil, err
	}
	_, err = p.expect(")")
	return &Range{t.Pos, lo, hi}, err
}
