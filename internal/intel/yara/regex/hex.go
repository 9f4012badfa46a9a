package regex

import (
	"strconv"
	"strings"
)

// MaxHexJump is the largest bounded jump accepted in a hex string.
const MaxHexJump = 1 << 20

type hexParser struct {
	s     string
	i     int
	depth int
}

// ParseHex parses the body of a hex string (between the braces): bytes,
// ?? wildcards, nibbles (4? ?A), negations (~41), jumps [n], [n-m],
// [n-], [-], and alternatives ( .. | .. ). Jumps are lazy, as in YARA.
func ParseHex(body string) (*Node, error) {
	p := &hexParser{s: body}
	n, err := p.seq(false)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q", p.s[p.i])
	}
	if len(n.Subs) == 0 {
		return nil, p.errf("empty hex string")
	}
	if isJump(n.Subs[0]) || isJump(n.Subs[len(n.Subs)-1]) {
		return nil, p.errf("a hex string may not begin or end with a jump")
	}
	return n, nil
}

func isJump(n *Node) bool { return n.Op == OpRepeat && n.Subs[0].Set.Len() == 256 && !n.Greedy }

func (p *hexParser) errf(format string, a ...any) error {
	return &Error{p.i, "invalid hex string: " + sprintf(format, a...)}
}

func (p *hexParser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n\f\v", p.s[p.i]) >= 0 {
		p.i++
	}
}

// seq reads tokens until the end, or until "|" or ")" inside a group.
func (p *hexParser) seq(inGroup bool) (*Node, error) {
	n := &Node{Op: OpConcat}
	for {
		p.skip()
		if p.i >= len(p.s) || p.s[p.i] == '|' || p.s[p.i] == ')' {
			if inGroup && len(n.Subs) == 0 {
				return nil, p.errf("empty alternative")
			}
			return n, nil
		}
		var x *Node
		var err error
		switch c := p.s[p.i]; {
		case c == '[':
			x, err = p.jump(inGroup)
		case c == '(':
			x, err = p.group()
		default:
			x, err = p.byteTok()
		}
		if err != nil {
			return nil, err
		}
		n.Subs = append(n.Subs, x)
		if len(n.Subs) > maxNodes {
			return nil, p.errf("hex string too long")
		}
	}
}

func (p *hexParser) group() (*Node, error) {
	p.i++
	if p.depth++; p.depth > maxDepth {
		return nil, p.errf("alternatives nested too deeply")
	}
	defer func() { p.depth-- }()
	alt := &Node{Op: OpAlt}
	for {
		s, err := p.seq(true)
		if err != nil {
			return nil, err
		}
		alt.Subs = append(alt.Subs, s)
		if p.i >= len(p.s) {
			return nil, p.errf("missing closing parenthesis")
		}
		if p.s[p.i] == ')' {
			p.i++
			if len(alt.Subs) < 2 {
				return nil, p.errf("a group needs alternatives")
			}
			return alt, nil
		}
		p.i++ // "|"
	}
}

func (p *hexParser) nibble() (int, bool, error) {
	if p.i >= len(p.s) {
		return 0, false, p.errf("odd number of digits")
	}
	c := p.s[p.i]
	p.i++
	if c == '?' {
		return 0, true, nil
	}
	v := hexVal(c)
	if v < 0 {
		return 0, false, p.errf("unexpected %q", c)
	}
	return v, false, nil
}

func (p *hexParser) byteTok() (*Node, error) {
	neg := false
	if p.s[p.i] == '~' {
		neg = true
		p.i++
	}
	hi, hiAny, err := p.nibble()
	if err != nil {
		return nil, err
	}
	lo, loAny, err := p.nibble()
	if err != nil {
		return nil, err
	}
	if neg && hiAny && loAny {
		return nil, p.errf("~?? is not allowed")
	}
	switch {
	case !neg && !hiAny && !loAny:
		return byteNodes[hi<<4|lo], nil
	case !neg && hiAny && loAny:
		return anyByteNode, nil
	}
	var s Set
	for c := 0; c < 256; c++ {
		if (hiAny || c>>4 == hi) && (loAny || c&15 == lo) {
			s.Add(byte(c))
		}
	}
	if neg {
		s.Negate()
	}
	return class(s), nil
}

// byteNodes and anyByteNode are the leaves of hex strings, shared by
// every string parsed: a large rule set holds millions of hex bytes,
// and nodes are never changed once built (widening copies).
var (
	byteNodes = func() (t [256]*Node) {
		for i := range t {
			t[i] = lit(byte(i))
		}
		return t
	}()
	anyByteNode = func() *Node {
		var s Set
		s.AddRange(0, 255)
		return class(s)
	}()
)

// jump reads [n], [n-m], [n-] or [-].
func (p *hexParser) jump(inGroup bool) (*Node, error) {
	end := strings.IndexByte(p.s[p.i:], ']')
	if end < 0 {
		return nil, p.errf("missing ]")
	}
	body := strings.ReplaceAll(p.s[p.i+1:p.i+end], " ", "")
	p.i += end + 1
	lo, hi := 0, Unbounded
	a, b, rng := strings.Cut(body, "-")
	var err error
	if a != "" {
		if lo, err = strconv.Atoi(a); err != nil || lo < 0 {
			return nil, p.errf("invalid jump %q", body)
		}
	}
	switch {
	case !rng:
		if a == "" {
			return nil, p.errf("invalid jump %q", body)
		}
		hi = lo
	case b != "":
		if hi, err = strconv.Atoi(b); err != nil || hi < lo {
			return nil, p.errf("invalid jump %q", body)
		}
	}
	if lo > MaxHexJump || hi > MaxHexJump {
		return nil, p.errf("jump %q too large", body)
	}
	if inGroup && hi < 0 {
		return nil, p.errf("unbounded jumps are not allowed inside alternatives")
	}
	return &Node{Op: OpRepeat, Subs: []*Node{anyByteNode}, Min: lo, Max: hi}, nil
}

func sprintf(format string, a ...any) string { return fmtSprintf(format, a...) }
