package stixpattern

import "math"

// MaxPathSteps bounds the steps of one object path (evaluation recurses
// once per step).
const MaxPathSteps = 1000

// path parses objectType ':' firstPathComponent objectPathComponent*.
// Object types may contain '-'; property names must be quoted to contain
// '-' or '.' (section 9.7).
func (p *parser) path() (Path, error) {
	var path Path
	if p.tok.kind != tIdent && p.tok.kind != tIdentHyphen {
		return path, p.unexpected("an object type")
	}
	path.ObjectType = p.tok.text
	if err := p.advance(); err != nil {
		return path, err
	}
	if _, err := p.expect(tColon, "':'"); err != nil {
		return path, err
	}
	key, err := p.propertyName()
	if err != nil {
		return path, err
	}
	path.Steps = append(path.Steps, Step{Kind: StepKey, Key: key})
	for {
		if len(path.Steps) > MaxPathSteps {
			return path, p.errAt(p.tok.pos, "object path longer than %d steps", MaxPathSteps)
		}
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return path, err
			}
			key, err := p.propertyName()
			if err != nil {
				return path, err
			}
			path.Steps = append(path.Steps, Step{Kind: StepKey, Key: key})
		case tLBrack:
			step, err := p.indexStep()
			if err != nil {
				return path, err
			}
			path.Steps = append(path.Steps, step)
		default:
			return path, nil
		}
	}
}

// propertyName parses an unquoted identifier without '-' or a quoted name.
func (p *parser) propertyName() (string, error) {
	t := p.tok
	switch t.kind {
	case tIdent:
		return t.text, p.advance()
	case tString:
		return t.lit.str, p.advance()
	case tIdentHyphen:
		return "", p.errAt(t.pos, "property name %s contains '-': quote it as %s", t.text, quoteString(t.text))
	}
	if _, kw := keywords[t.text]; kw && t.text != "" {
		return "", p.errAt(t.pos, "property name %s is a keyword: quote it as %s", t.text, quoteString(t.text))
	}
	return "", p.unexpected("a property name")
}

// indexStep parses '[' (integer | '*') ']'.
func (p *parser) indexStep() (Step, error) {
	if err := p.advance(); err != nil {
		return Step{}, err
	}
	var step Step
	switch p.tok.kind {
	case tAsterisk:
		step.Kind = StepAnyIndex
	case tInt:
		step.Kind = StepIndex
		i := p.tok.lit.num.i
		switch {
		case i.IsInt64():
			step.Index = i.Int64()
		case i.Sign() < 0:
			step.Index = math.MinInt64
		default:
			step.Index = math.MaxInt64
		}
	default:
		return step, p.unexpected("a list index", "'*'")
	}
	if err := p.advance(); err != nil {
		return step, err
	}
	_, err := p.expect(tRBrack, "']'")
	return step, err
}
