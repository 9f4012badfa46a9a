package stixpattern

// cmpOr parses a comparison expression: OR of ANDs of tests. close is the
// token that ends the enclosing group, for error messages.
func (p *parser) cmpOr(close tokKind) (*cmpNode, error) {
	return p.cmpChain(tOR, cmpOr, func() (*cmpNode, error) {
		return p.cmpChain(tAND, cmpAnd, p.propTest)
	})
}

func (p *parser) cmpChain(sep tokKind, kind cmpKind, operand func() (*cmpNode, error)) (*cmpNode, error) {
	first, err := operand()
	if err != nil || p.tok.kind != sep {
		return first, err
	}
	n := &cmpNode{kind: kind, pos: first.pos, kids: []*cmpNode{first}}
	for p.tok.kind == sep {
		if err := p.advance(); err != nil {
			return nil, err
		}
		next, err := operand()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, next)
	}
	n.end = n.kids[len(n.kids)-1].end
	return n, nil
}

// propTest parses one comparison, a parenthesized comparison expression or
// EXISTS path.
func (p *parser) propTest() (*cmpNode, error) {
	start := p.tok.pos
	switch p.tok.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.cmpOr(tRParen)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'", "AND/OR"); err != nil {
			return nil, err
		}
		p.depth--
		inner.paren = true
		return inner, nil
	case tEXISTS:
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &cmpNode{kind: cmpTest, op: opEXISTS, path: path, pos: start, end: p.lastEnd()}, nil
	case tIdent, tIdentHyphen:
		return p.comparison()
	}
	return nil, p.unexpected("an object path", "'('", "EXISTS")
}

// lastEnd is the end of the token before the current one.
func (p *parser) lastEnd() int { return p.prevEnd }

// comparison parses path NOT? operator operand.
func (p *parser) comparison() (*cmpNode, error) {
	n := &cmpNode{kind: cmpTest, pos: p.tok.pos}
	var err error
	if n.path, err = p.path(); err != nil {
		return nil, err
	}
	if p.tok.kind == tNOT {
		n.not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	o, ok := tokOps[p.tok.kind]
	if !ok {
		want := []string{"'.'", "'['", "a comparison operator", "NOT"}
		if n.not {
			want = []string{"a comparison operator"}
		}
		return nil, p.unexpected(want...)
	}
	n.op = o
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.operand(n); err != nil {
		return nil, err
	}
	n.end = p.lastEnd()
	return n, nil
}

var tokOps = map[tokKind]op{
	tEQ: opEQ, tNEQ: opNEQ, tLT: opLT, tLE: opLE, tGT: opGT, tGE: opGE,
	tIN: opIN, tLIKE: opLIKE, tMATCHES: opMATCHES, tISSUBSET: opISSUBSET, tISSUPERSET: opISSUPERSET,
}

var literalKinds = map[tokKind]bool{
	tString: true, tInt: true, tFloat: true, tBinary: true, tHex: true, tTimestamp: true, tBool: true,
}

// operand parses the constant(s) the operator takes (primitiveLiteral,
// orderableLiteral, setLiteral or StringLiteral).
func (p *parser) operand(n *cmpNode) error {
	t := p.tok
	switch n.op {
	case opEQ, opNEQ:
		if !literalKinds[t.kind] {
			return p.unexpected("a constant")
		}
	case opLT, opLE, opGT, opGE:
		if !literalKinds[t.kind] || t.kind == tBool {
			return p.unexpected("a string, number, binary, hex or timestamp constant")
		}
	case opIN:
		return p.setLiteral(n)
	default:
		if t.kind != tString {
			return p.unexpected("string literal")
		}
	}
	n.lit, n.text = t.lit, t.text
	if err := p.compileOperand(n, t.pos); err != nil {
		return err
	}
	return p.advance()
}

func (p *parser) setLiteral(n *cmpNode) error {
	start := p.tok.pos
	if _, err := p.expect(tLParen, "'('"); err != nil {
		return err
	}
	for p.tok.kind != tRParen {
		if len(n.set) > 0 {
			if _, err := p.expect(tComma, "','", "')'"); err != nil {
				return err
			}
		}
		if !literalKinds[p.tok.kind] {
			return p.unexpected("a constant")
		}
		if len(n.set) > 0 && !n.set[0].sameType(p.tok.lit) {
			return p.errAt(p.tok.pos, "IN set mixes constant types: %s after %s", kindOfLit(p.tok.lit), kindOfLit(n.set[0]))
		}
		n.set = append(n.set, p.tok.lit)
		n.setText = append(n.setText, p.tok.text)
		if err := p.advance(); err != nil {
			return err
		}
	}
	n.text = p.lx.src[start:p.tok.end]
	return p.advance()
}

func kindOfLit(l literal) string {
	return [...]string{"a string", "an integer", "a float", "binary data", "a boolean", "a timestamp"}[l.kind]
}
