package stixpattern

import (
	"fmt"
	"unicode/utf8"
)

// Parser limits. Patterns come from untrusted intel feeds.
const (
	MaxPatternBytes = 1 << 20 // longest pattern accepted
	MaxNesting      = 256     // deepest parenthesis nesting accepted
)

// parser is a recursive-descent parser for the STIX 2.1 grammar. Chains of
// AND, OR and FOLLOWEDBY are parsed with loops, so only parentheses recurse.
type parser struct {
	lx      lexer
	tok     token
	prevEnd int // end of the token before tok
	depth   int
	leaves  []*obsNode
}

// Parse parses and validates a STIX 2.1 pattern. Errors are *SyntaxError.
func Parse(pattern string) (*Pattern, error) {
	lx := lexer{src: pattern}
	if len(pattern) > MaxPatternBytes {
		return nil, lx.errAt(MaxPatternBytes, fmt.Sprintf("pattern longer than %d bytes", MaxPatternBytes))
	}
	if !utf8.ValidString(pattern) {
		return nil, lx.errAt(firstInvalidUTF8(pattern), "invalid UTF-8")
	}
	p := &parser{lx: lx}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.obsFollowedBy()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("AND/OR/FOLLOWEDBY", "a qualifier", "end of pattern")
	}
	pat := &Pattern{src: pattern, root: root, leaves: p.leaves}
	if err := p.validate(pat); err != nil {
		return nil, err
	}
	return pat, nil
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(s)
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.prevEnd, p.tok = p.tok.end, t
	return nil
}

// expect consumes a token of kind k or fails listing want.
func (p *parser) expect(k tokKind, want ...string) (token, error) {
	t := p.tok
	if t.kind != k {
		if len(want) == 0 {
			want = []string{kindName(k)}
		}
		return t, p.unexpected(want...)
	}
	return t, p.advance()
}

func (p *parser) unexpected(expected ...string) error {
	line, col := position(p.lx.src, p.tok.pos)
	return &SyntaxError{Pos: p.tok.pos, Line: line, Col: col, Expected: expected, Found: p.tok.describe()}
}

func (p *parser) errAt(pos int, format string, a ...any) error {
	return p.lx.errAt(pos, fmt.Sprintf(format, a...))
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxNesting {
		return p.errAt(p.tok.pos, "parentheses nested deeper than %d levels", MaxNesting)
	}
	return nil
}

// obsFollowedBy parses observationExpressions: FOLLOWEDBY, lowest
// precedence, left associative.
func (p *parser) obsFollowedBy() (*obsNode, error) {
	left, err := p.obsOr()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tFOLLOWEDBY {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.obsOr()
		if err != nil {
			return nil, err
		}
		left = &obsNode{kind: obsFollowedBy, pos: left.pos, end: right.end, kids: []*obsNode{left, right}}
	}
	return left, nil
}

func (p *parser) obsOr() (*obsNode, error) {
	return p.obsChain(tOR, obsOr, p.obsAnd)
}

func (p *parser) obsAnd() (*obsNode, error) {
	return p.obsChain(tAND, obsAnd, p.obsUnit)
}

// obsChain parses operand (sep operand)* into one n-ary node.
func (p *parser) obsChain(sep tokKind, kind obsKind, operand func() (*obsNode, error)) (*obsNode, error) {
	first, err := operand()
	if err != nil || p.tok.kind != sep {
		return first, err
	}
	n := &obsNode{kind: kind, pos: first.pos, kids: []*obsNode{first}}
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
