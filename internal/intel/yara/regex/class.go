package regex

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func wordSet() Set {
	var s Set
	s.AddRange('a', 'z')
	s.AddRange('A', 'Z')
	s.AddRange('0', '9')
	s.Add('_')
	return s
}

func spaceSet() Set {
	var s Set
	for _, c := range []byte(" \t\n\r\f\v") {
		s.Add(c)
	}
	return s
}

func digitSet() Set {
	var s Set
	s.AddRange('0', '9')
	return s
}

// escape reads the escape after a backslash. In a bracket expression
// (inClass) \b is a backspace and anchors are not allowed.
func (p *reParser) escape(inClass bool) (*Node, error) {
	if !p.more() {
		return nil, p.errf("trailing backslash")
	}
	c := p.s[p.i]
	p.i++
	var s Set
	switch c {
	case 'w', 'W':
		s = wordSet()
	case 's', 'S':
		s = spaceSet()
	case 'd', 'D':
		s = digitSet()
	case 'b':
		if inClass {
			return lit('\b'), nil
		}
		return &Node{Op: OpWordB}, nil
	case 'B':
		if inClass {
			return nil, p.errf("invalid escape \\B in class")
		}
		return &Node{Op: OpNotWordB}, nil
	case 'n':
		return lit('\n'), nil
	case 't':
		return lit('\t'), nil
	case 'r':
		return lit('\r'), nil
	case 'f':
		return lit('\f'), nil
	case 'a':
		return lit('\a'), nil
	case 'x':
		if p.i+1 >= len(p.s) || hexVal(p.s[p.i]) < 0 || hexVal(p.s[p.i+1]) < 0 {
			return nil, p.errf("invalid \\x escape")
		}
		b := byte(hexVal(p.s[p.i])<<4 | hexVal(p.s[p.i+1]))
		p.i += 2
		if inClass {
			return lit(b), nil
		}
		return p.literal(b), nil
	default:
		if inClass {
			return lit(c), nil
		}
		return p.literal(c), nil
	}
	if c == 'W' || c == 'S' || c == 'D' {
		s.Negate()
	}
	return class(s), nil
}

// bracket reads a [...] class after its opening bracket.
func (p *reParser) bracket() (*Node, error) {
	var s Set
	neg := false
	if p.more() && p.s[p.i] == '^' {
		neg = true
		p.i++
	}
	first := true
	for {
		if !p.more() {
			return nil, p.errf("missing closing bracket")
		}
		c := p.s[p.i]
		if c == ']' && !first {
			p.i++
			break
		}
		first = false
		lo, loSet, err := p.classAtom()
		if err != nil {
			return nil, err
		}
		if loSet != nil {
			s.Union(*loSet)
			continue
		}
		if p.i+1 < len(p.s) && p.s[p.i] == '-' && p.s[p.i+1] != ']' {
			p.i++
			hi, hiSet, err := p.classAtom()
			if err != nil {
				return nil, err
			}
			if hiSet != nil || hi < lo {
				return nil, p.errf("bad character range")
			}
			s.AddRange(int(lo), int(hi))
			continue
		}
		s.Add(lo)
	}
	if p.nocase {
		s.FoldCase()
	}
	if neg {
		s.Negate()
	}
	return class(s), nil
}

// classAtom reads one byte or one escaped class inside brackets.
func (p *reParser) classAtom() (byte, *Set, error) {
	c := p.s[p.i]
	p.i++
	if c != '\\' {
		return c, nil, nil
	}
	n, err := p.escape(true)
	if err != nil {
		return 0, nil, err
	}
	if n.Set.Len() == 1 {
		return n.Set.Members()[0], nil, nil
	}
	return 0, &n.Set, nil
}
