package stixpattern

import (
	"math/big"
	"strings"
)

// maxRepeats is the largest REPEATS count: the largest STIX integer.
const maxRepeats = 1<<53 - 1

// obsUnit parses an observation expression in brackets or parentheses and
// the qualifiers that follow it.
func (p *parser) obsUnit() (*obsNode, error) {
	var n *obsNode
	var err error
	start := p.tok.pos
	switch p.tok.kind {
	case tLBrack:
		n, err = p.bracketed()
	case tLParen:
		n, err = p.parenthesized()
	default:
		return nil, p.unexpected("'['", "'('")
	}
	if err != nil {
		return nil, err
	}
	return p.qualifiers(n, start, p.lx.src[start] == '[')
}

func (p *parser) bracketed() (*obsNode, error) {
	start := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	cmp, err := p.cmpOr(tRBrack)
	if err != nil {
		return nil, err
	}
	end := p.tok.end
	if _, err := p.expect(tRBrack, "']'", "AND/OR"); err != nil {
		return nil, err
	}
	n := &obsNode{kind: obsSimple, pos: start, end: end, cmp: cmp, leaf: len(p.leaves)}
	p.leaves = append(p.leaves, n)
	return n, nil
}

func (p *parser) parenthesized() (*obsNode, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	inner, err := p.obsFollowedBy()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "')'", "AND/OR/FOLLOWEDBY", "a qualifier"); err != nil {
		return nil, err
	}
	p.depth--
	inner.paren = true
	return inner, nil
}

// qualifiers parses WITHIN, REPEATS and START/STOP qualifiers. On a
// bracketed expression each qualifier type may appear once (the reference
// validator's rule, section 9.5.1); after parentheses it is not checked.
func (p *parser) qualifiers(n *obsNode, start int, checked bool) (*obsNode, error) {
	seen := map[obsKind]bool{}
	for {
		var q *obsNode
		var err error
		kw := p.tok
		switch kw.kind {
		case tWITHIN:
			q, err = p.withinQual()
		case tREPEATS:
			q, err = p.repeatsQual()
		case tSTART:
			q, err = p.startStopQual()
		default:
			return n, nil
		}
		if err != nil {
			return nil, err
		}
		if checked && seen[q.kind] {
			return nil, p.errAt(kw.pos, "duplicate %s qualifier on one observation expression", qualNames[q.kind])
		}
		seen[q.kind] = true
		q.pos, q.qualPos, q.kids = start, kw.pos, []*obsNode{n}
		n = q
	}
}

var qualNames = map[obsKind]string{obsWithin: "WITHIN", obsRepeats: "REPEATS", obsStartStop: "START/STOP"}

func (p *parser) withinQual() (*obsNode, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	num := p.tok
	if (num.kind != tInt && num.kind != tFloat) || strings.HasPrefix(num.text, "-") {
		return nil, p.unexpected("a positive number of seconds")
	}
	d, positive := parseDuration(num.text)
	if !positive {
		return nil, p.errAt(num.pos, "WITHIN must be a positive number of seconds, not %s", num.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	end := p.tok.end
	if _, err := p.expect(tSECONDS, "SECONDS"); err != nil {
		return nil, err
	}
	return &obsNode{kind: obsWithin, within: d, end: end}, nil
}

func (p *parser) repeatsQual() (*obsNode, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	num := p.tok
	if num.kind != tInt || strings.HasPrefix(num.text, "-") {
		return nil, p.unexpected("a positive integer")
	}
	n := num.lit.num.i
	switch {
	case n.Sign() <= 0:
		return nil, p.errAt(num.pos, "REPEATS must be a positive integer, not %s", num.text)
	case n.Cmp(big.NewInt(maxRepeats)) > 0:
		return nil, p.errAt(num.pos, "REPEATS count %s is out of range (at most %d)", num.text, int64(maxRepeats))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	end := p.tok.end
	if _, err := p.expect(tTIMES, "TIMES"); err != nil {
		return nil, err
	}
	return &obsNode{kind: obsRepeats, count: n.Int64(), end: end}, nil
}

func (p *parser) startStopQual() (*obsNode, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	start, err := p.timestampOperand("START")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tSTOP, "STOP"); err != nil {
		return nil, err
	}
	end := p.tok.end
	stop, err := p.timestampOperand("STOP")
	if err != nil {
		return nil, err
	}
	return &obsNode{kind: obsStartStop, start: start.lit.ts, stop: stop.lit.ts, end: end}, nil
}

func (p *parser) timestampOperand(kw string) (token, error) {
	if p.tok.kind == tString {
		return p.tok, p.errAt(p.tok.pos, "%s takes a timestamp literal t'…' in STIX 2.1, not a string", kw)
	}
	return p.expect(tTimestamp, "timestamp literal t'…'")
}
