package syntax

// maxDepth bounds expression nesting, so a deeply nested condition is
// an error rather than a stack overflow.
const maxDepth = 200

type parser struct {
	toks  []Token
	i     int
	depth int
}

// Parse parses one rule file's text; file names the file in errors.
func Parse(file, src string) (*File, error) {
	toks, err := Tokenize(file, src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	return p.file()
}

func (p *parser) peek() Token { return p.toks[p.i] }

func (p *parser) peekAt(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

// is reports whether the current token is the keyword or operator s.
func (p *parser) is(s string) bool {
	t := p.peek()
	return (t.Kind == Keyword || t.Kind == Op) && t.Text == s
}

func (p *parser) accept(s string) bool {
	if p.is(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) errf(t Token, format string, a ...any) error {
	return &Error{t.Pos, sprintf(format, a...)}
}

func (p *parser) expect(s string) (Token, error) {
	t := p.peek()
	if !p.is(s) {
		return t, p.errf(t, "syntax error, unexpected %s, expecting %q", t, s)
	}
	return p.next(), nil
}

func (p *parser) file() (*File, error) {
	f := &File{}
	for {
		t := p.peek()
		switch {
		case t.Kind == EOF:
			return f, nil
		case p.is("import") || p.is("include"):
			p.next()
			s := p.next()
			if s.Kind != String {
				return nil, p.errf(s, "syntax error, unexpected %s, expecting text string", s)
			}
			if t.Text == "import" {
				f.Imports = append(f.Imports, Import{t.Pos, s.Text})
			} else {
				f.Includes = append(f.Includes, Include{t.Pos, s.Text})
				f.Order = append(f.Order, -len(f.Includes))
			}
		default:
			r, err := p.rule()
			if err != nil {
				return nil, err
			}
			f.Rules = append(f.Rules, r)
			f.Order = append(f.Order, len(f.Rules)-1)
		}
	}
}

func (p *parser) rule() (*Rule, error) {
	r := &Rule{Pos: p.peek().Pos}
	for {
		switch {
		case p.accept("private"):
			r.Private = true
			continue
		case p.accept("global"):
			r.Global = true
			continue
		}
		break
	}
	if _, err := p.expect("rule"); err != nil {
		return nil, err
	}
	name := p.next()
	if name.Kind != Identifier {
		return nil, p.errf(name, "syntax error, unexpected %s, expecting identifier", name)
	}
	r.Name, r.Pos = name.Text, name.Pos
	if p.accept(":") {
		for p.peek().Kind == Identifier {
			r.Tags = append(r.Tags, p.next().Text)
		}
		if len(r.Tags) == 0 {
			return nil, p.errf(p.peek(), "syntax error, unexpected %s, expecting identifier", p.peek())
		}
	}
	if _, err := p.expect("{"); err != nil {
		return nil, err
	}
	if err := p.ruleBody(r); err != nil {
		return nil, err
	}
	_, err := p.expect("}")
	return r, err
}

func (p *parser) ruleBody(r *Rule) error {
	if p.accept("meta") {
		if _, err := p.expect(":"); err != nil {
			return err
		}
		for p.peek().Kind == Identifier || p.peek().Kind == Keyword && !p.is("strings") && !p.is("condition") {
			m, err := p.meta()
			if err != nil {
				return err
			}
			r.Meta = append(r.Meta, m)
		}
	}
	if p.accept("strings") {
		if _, err := p.expect(":"); err != nil {
			return err
		}
		for p.peek().Kind == StrID {
			s, err := p.stringDef()
			if err != nil {
				return err
			}
			r.Strings = append(r.Strings, s)
		}
		if len(r.Strings) == 0 {
			return p.errf(p.peek(), "syntax error, unexpected %s, expecting string identifier", p.peek())
		}
	}
	if _, err := p.expect("condition"); err != nil {
		return err
	}
	if _, err := p.expect(":"); err != nil {
		return err
	}
	c, err := p.expr()
	r.Cond = c
	return err
}

func (p *parser) meta() (Meta, error) {
	k := p.next()
	if _, err := p.expect("="); err != nil {
		return Meta{}, err
	}
	neg := p.accept("-")
	v := p.next()
	switch {
	case v.Kind == String && !neg:
		return Meta{k.Text, v.Text}, nil
	case v.Kind == Int:
		if neg {
			return Meta{k.Text, -v.Int}, nil
		}
		return Meta{k.Text, v.Int}, nil
	case v.Kind == Keyword && (v.Text == "true" || v.Text == "false") && !neg:
		return Meta{k.Text, v.Text == "true"}, nil
	}
	return Meta{}, p.errf(v, "syntax error, unexpected %s in metadata", v)
}
