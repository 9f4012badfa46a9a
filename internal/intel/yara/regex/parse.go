package regex

import (
	"fmt"
	"strconv"
)

// Limits on pattern size, so a hostile rule cannot exhaust memory.
const (
	maxRepeat = 32767 // largest {n,m} bound, as YARA
	maxDepth  = 200
	maxNodes  = 1 << 16
)

// Error is a pattern syntax error at a byte offset of the pattern.
type Error struct {
	Off int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

type reParser struct {
	s      string
	i      int
	nocase bool
	dotAll bool
	depth  int
	nodes  int
	brEnd  int
}

// Parse parses a regular expression in YARA's syntax. nocase and dotAll
// are the /i and /s modifiers.
func Parse(pattern string, nocase, dotAll bool) (*Node, error) {
	p := &reParser{s: pattern, nocase: nocase, dotAll: dotAll}
	n, err := p.alt()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.s) {
		return nil, p.errf("unexpected %q", p.s[p.i])
	}
	return n, nil
}

func (p *reParser) errf(format string, a ...any) error {
	return &Error{p.i, fmt.Sprintf(format, a...)}
}

func (p *reParser) more() bool { return p.i < len(p.s) }

func (p *reParser) alt() (*Node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf("regular expression nested too deeply")
	}
	var subs []*Node
	for {
		c, err := p.concat()
		if err != nil {
			return nil, err
		}
		subs = append(subs, c)
		if !p.more() || p.s[p.i] != '|' {
			break
		}
		p.i++
	}
	if len(subs) == 1 {
		return subs[0], nil
	}
	return &Node{Op: OpAlt, Subs: subs}, nil
}

func (p *reParser) concat() (*Node, error) {
	n := &Node{Op: OpConcat}
	for p.more() && p.s[p.i] != '|' && p.s[p.i] != ')' {
		a, err := p.atom()
		if err != nil {
			return nil, err
		}
		if a, err = p.quantifier(a); err != nil {
			return nil, err
		}
		n.Subs = append(n.Subs, a)
		if p.nodes++; p.nodes > maxNodes {
			return nil, p.errf("regular expression too large")
		}
	}
	if len(n.Subs) == 0 {
		return &Node{Op: OpEmpty}, nil
	}
	return n, nil
}

func (p *reParser) atom() (*Node, error) {
	c := p.s[p.i]
	p.i++
	switch c {
	case '(':
		if p.i+1 < len(p.s) && p.s[p.i] == '?' && p.s[p.i+1] == ':' {
			p.i += 2
		}
		n, err := p.alt()
		if err != nil {
			return nil, err
		}
		if !p.more() || p.s[p.i] != ')' {
			return nil, p.errf("missing closing parenthesis")
		}
		p.i++
		return n, nil
	case '.':
		var s Set
		s.AddRange(0, 255)
		if !p.dotAll {
			s[0] &^= 1 << '\n'
		}
		return class(s), nil
	case '^':
		return &Node{Op: OpBegin}, nil
	case '$':
		return &Node{Op: OpEnd}, nil
	case '[':
		return p.bracket()
	case '\\':
		return p.escape(false)
	case '*', '+', '?':
		return nil, p.errf("nothing to repeat")
	case '{':
		if _, _, ok := p.peekBraces(p.i - 1); ok {
			return nil, p.errf("nothing to repeat")
		}
	}
	return p.literal(c), nil
}

func (p *reParser) literal(c byte) *Node {
	n := lit(c)
	if p.nocase {
		n.Set.FoldCase()
	}
	return n
}

// peekBraces parses {n}, {n,}, {,m} or {n,m} at offset i.
func (p *reParser) peekBraces(i int) (lo, hi int, ok bool) {
	j := i + 1
	num := func() (int, bool) {
		k := j
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == k {
			return -1, false
		}
		v, err := strconv.Atoi(p.s[k:j])
		return v, err == nil
	}
	lo, lok := num()
	if j < len(p.s) && p.s[j] == '}' && lok {
		p.brEnd = j + 1
		return lo, lo, true
	}
	if j >= len(p.s) || p.s[j] != ',' {
		return 0, 0, false
	}
	j++
	hi, hok := num()
	if j >= len(p.s) || p.s[j] != '}' || !lok && !hok {
		return 0, 0, false
	}
	p.brEnd = j + 1
	if !lok {
		lo = 0
	}
	if !hok {
		hi = Unbounded
	}
	return lo, hi, true
}

func (p *reParser) quantifier(a *Node) (*Node, error) {
	for p.more() {
		lo, hi := 0, 0
		switch c := p.s[p.i]; c {
		case '*':
			lo, hi = 0, Unbounded
			p.i++
		case '+':
			lo, hi = 1, Unbounded
			p.i++
		case '?':
			lo, hi = 0, 1
			p.i++
		case '{':
			var ok bool
			if lo, hi, ok = p.peekBraces(p.i); !ok {
				return a, nil
			}
			if lo > maxRepeat || hi > maxRepeat || hi >= 0 && hi < lo {
				return nil, p.errf("bad repeat interval")
			}
			p.i = p.brEnd
		default:
			return a, nil
		}
		if a.Op == OpBegin || a.Op == OpEnd || a.Op == OpWordB || a.Op == OpNotWordB {
			return nil, p.errf("nothing to repeat")
		}
		greedy := true
		if p.more() && p.s[p.i] == '?' {
			greedy = false
			p.i++
		}
		a = &Node{Op: OpRepeat, Subs: []*Node{a}, Min: lo, Max: hi, Greedy: greedy}
	}
	return a, nil
}
