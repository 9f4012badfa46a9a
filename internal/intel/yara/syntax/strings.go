package syntax

func (p *parser) stringDef() (*StringDef, error) {
	id := p.next()
	if len(id.Text) > 1 && id.Text[len(id.Text)-1] == '*' {
		return nil, p.errf(id, "syntax error, unexpected %s", id)
	}
	if _, err := p.expect("="); err != nil {
		return nil, err
	}
	v := p.next()
	s := &StringDef{Pos: id.Pos, Name: id.Text, Text: v.Text, Flags: v.Flags}
	switch v.Kind {
	case String:
		s.Kind = TextString
		if v.Text == "" {
			return nil, p.errf(v, "empty string %q", id.Text)
		}
	case Hex:
		s.Kind = HexString
	case Regex:
		s.Kind = RegexString
	default:
		return nil, p.errf(v, "syntax error, unexpected %s, expecting text string, hex string or regular expression", v)
	}
	return s, p.modifiers(s)
}

// allowed lists the modifiers each kind of string takes.
var allowed = map[StringKind]map[string]bool{
	TextString:  {"nocase": true, "ascii": true, "wide": true, "fullword": true, "private": true, "xor": true, "base64": true, "base64wide": true},
	HexString:   {"private": true},
	RegexString: {"nocase": true, "ascii": true, "wide": true, "fullword": true, "private": true},
}

func (p *parser) modifiers(s *StringDef) error {
	m := &s.Mods
	for p.peek().Kind == Keyword {
		t := p.peek()
		switch t.Text {
		case "nocase", "ascii", "wide", "fullword", "private", "xor", "base64", "base64wide":
		default:
			return nil
		}
		p.next()
		if !allowed[s.Kind][t.Text] {
			return p.errf(t, "invalid modifier %q for this kind of string", t.Text)
		}
		for _, seen := range m.Seen {
			if seen == t.Text {
				return p.errf(t, "duplicated modifier %q", t.Text)
			}
		}
		m.Seen = append(m.Seen, t.Text)
		var err error
		switch t.Text {
		case "nocase":
			m.Nocase = true
		case "ascii":
			m.ASCII = true
		case "wide":
			m.Wide = true
		case "fullword":
			m.Fullword = true
		case "private":
			m.Private = true
		case "xor":
			m.Xor = true
			err = p.xorRange(m)
		case "base64":
			m.Base64 = true
			m.Alphabet, err = p.alphabet()
		case "base64wide":
			m.Base64Wide = true
			m.WideAlphabet, err = p.alphabet()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) xorRange(m *Modifiers) error {
	m.XorLo, m.XorHi = 0, 255
	if !p.accept("(") {
		return nil
	}
	lo := p.next()
	if lo.Kind != Int || lo.Int < 0 || lo.Int > 255 {
		return p.errf(lo, "invalid xor range")
	}
	m.XorLo, m.XorHi = int(lo.Int), int(lo.Int)
	if p.accept("-") {
		hi := p.next()
		if hi.Kind != Int || hi.Int < 0 || hi.Int > 255 {
			return p.errf(hi, "invalid xor range")
		}
		m.XorHi = int(hi.Int)
		if m.XorHi < m.XorLo {
			return p.errf(hi, "invalid xor range")
		}
	}
	_, err := p.expect(")")
	return err
}

func (p *parser) alphabet() (string, error) {
	if !p.accept("(") {
		return "", nil
	}
	a := p.next()
	if a.Kind != String {
		return "", p.errf(a, "syntax error, unexpected %s, expecting text string", a)
	}
	if len(a.Text) != 64 {
		return "", p.errf(a, "length of base64 alphabet must be 64")
	}
	_, err := p.expect(")")
	return a.Text, err
}
