package syntax

func (p *parser) postfix() (Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case p.accept("."):
			n := p.next()
			if n.Kind != Identifier {
				return nil, p.errf(n, "syntax error, unexpected %s, expecting identifier", n)
			}
			x = &Member{t.Pos, x, n.Text}
		case p.accept("["):
			i, err := p.expr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &Index{t.Pos, x, i}
		case p.accept("("):
			c := &Call{P: t.Pos, Fn: x}
			for !p.accept(")") {
				if len(c.Args) > 0 {
					if _, err := p.expect(","); err != nil {
						return nil, err
					}
				}
				a, err := p.expr()
				if err != nil {
					return nil, err
				}
				c.Args = append(c.Args, a)
			}
			x = c
		default:
			return x, nil
		}
	}
}

func (p *parser) primary() (Expr, error) {
	t := p.next()
	switch t.Kind {
	case Int:
		return &IntLit{t.Pos, t.Int}, nil
	case Float:
		return &FloatLit{t.Pos, t.Float}, nil
	case String:
		return &StrLit{t.Pos, t.Text}, nil
	case Regex: // a module function's argument: pe.exports(/re/)
		return &RegexLit{t.Pos, t.Text, t.Flags}, nil
	case Identifier:
		return &Ident{t.Pos, t.Text}, nil
	case StrID:
		return p.stringRef(t)
	case StrCount:
		c := &StringCount{P: t.Pos, Name: t.Text}
		if p.accept("in") {
			r, err := p.rangeExpr()
			c.In = r
			return c, err
		}
		return c, nil
	case StrOffset, StrLength:
		var i Expr
		if p.accept("[") {
			var err error
			if i, err = p.expr(); err != nil {
				return nil, err
			}
			if _, err := p.expect("]"); err != nil {
				return nil, err
			}
		}
		if t.Kind == StrOffset {
			return &StringOffset{t.Pos, t.Text, i}, nil
		}
		return &StringLength{t.Pos, t.Text, i}, nil
	case Keyword:
		return p.keywordPrimary(t)
	case Op:
		if t.Text == "(" {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			_, err = p.expect(")")
			return &Paren{t.Pos, x}, err
		}
	}
	return nil, p.errf(t, "syntax error, unexpected %s", t)
}

func (p *parser) stringRef(t Token) (Expr, error) {
	if len(t.Text) > 1 && t.Text[len(t.Text)-1] == '*' {
		return nil, p.errf(t, "syntax error, unexpected %s", t)
	}
	r := &StringRef{P: t.Pos, Name: t.Text}
	var err error
	switch {
	case p.accept("at"):
		r.At, err = p.binary(5) // at takes an arithmetic operand
	case p.accept("in"):
		r.In, err = p.rangeExpr()
	}
	return r, err
}

func (p *parser) keywordPrimary(t Token) (Expr, error) {
	switch t.Text {
	case "true", "false":
		return &BoolLit{t.Pos, t.Text == "true"}, nil
	case "filesize", "entrypoint", "them":
		return &KeywordExpr{t.Pos, t.Text}, nil
	case "all", "any", "none":
		return p.of(Quant{P: t.Pos, Kind: t.Text})
	case "for":
		return p.forExpr(t)
	}
	return nil, p.errf(t, "syntax error, unexpected %s", t)
}

func (p *parser) quant() (Quant, error) {
	t := p.peek()
	if p.accept("all") || p.accept("any") || p.accept("none") {
		return Quant{P: t.Pos, Kind: t.Text}, nil
	}
	x, err := p.postfix()
	if err != nil {
		return Quant{}, err
	}
	q := Quant{P: t.Pos, Kind: "expr", N: x}
	if p.accept("%") {
		q.Kind = "percent"
	}
	return q, nil
}

func (p *parser) forExpr(t Token) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	q, err := p.quant()
	if err != nil {
		return nil, err
	}
	if p.accept("of") {
		set, err := p.stringSet()
		if err != nil {
			return nil, err
		}
		body, err := p.forBody()
		return &ForOf{t.Pos, q, set, body}, err
	}
	f := &ForIn{P: t.Pos, Q: q}
	for {
		v := p.next()
		if v.Kind != Identifier {
			return nil, p.errf(v, "syntax error, unexpected %s, expecting identifier", v)
		}
		f.Vars = append(f.Vars, v.Text)
		if !p.accept(",") {
			break
		}
	}
	if _, err := p.expect("in"); err != nil {
		return nil, err
	}
	if f.Iter, err = p.iterable(); err != nil {
		return nil, err
	}
	f.Body, err = p.forBody()
	return f, err
}

func (p *parser) forBody() (Expr, error) {
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	body, err := p.expr()
	if err != nil {
		return nil, err
	}
	_, err = p.expect(")")
	return body, err
}

// iterable is (lo..hi), (e1, e2, …) or an expression naming an array or
// dictionary.
func (p *parser) iterable() (Expr, error) {
	t := p.peek()
	if !p.accept("(") {
		return p.postfix()
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.accept("..") {
		hi, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(")")
		return &Range{t.Pos, first, hi}, err
	}
	e := &Enum{P: t.Pos, Items: []Expr{first}}
	for p.accept(",") {
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.Items = append(e.Items, x)
	}
	_, err = p.expect(")")
	return e, err
}
