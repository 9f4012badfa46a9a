package sigbase

import (
	"bytes"
	"errors"
	"fmt"
	"regexp/syntax"
	"strconv"

	"github.com/cascade-ir/cascade/internal/intel"
)

// ErrUnsupported marks a regex that needs a PCRE feature Go's RE2 engine
// does not have (look-around, back-reference, possessive repeat).
var ErrUnsupported = errors.New("needs a feature RE2 lacks (look-around, back-reference, possessive or very large repeat)")

// filenames reads REGEX;SCORE[;FALSE_POSITIVE_REGEX] lines. A line with a
// regex alone gets DefaultFilenameScore, as old signature-base blocks have
// such lines. The last comment above an entry describes it.
func (l *loader) filenames(in *intel.Intel) error {
	for {
		line, ok := l.lines.next()
		if !ok {
			break
		}
		ind, err := l.filename(line)
		switch {
		case errors.Is(err, ErrUnsupported) && l.opts.SkipUnsupported:
			l.warn(fmt.Errorf("skipped: %w", err))
		case err != nil:
			if l.fail(err) {
				return l.finish()
			}
		default:
			in.Indicators = append(in.Indicators, ind)
		}
	}
	return l.finish()
}

// finish returns the reader's failure or the recorded line errors.
func (l *loader) finish() error {
	if err := l.lines.failure(); err != nil {
		return err
	}
	return l.result()
}

func (l *loader) filename(line []byte) (intel.Indicator, error) {
	parts := bytes.Split(line, []byte(";"))
	if len(parts) > 3 {
		return intel.Indicator{}, fmt.Errorf("%d fields, want REGEX;SCORE[;FALSE_POSITIVE_REGEX] (write a ';' inside a regex as \\x3b)", len(parts))
	}
	ind := l.indicator(intel.Filename, DefaultFilenameScore, l.lines.comment)
	var err error
	if ind.Value, err = translateRegex(bytes.TrimSpace(parts[0])); err != nil {
		return ind, err
	}
	if len(parts) > 1 {
		sc, ok := score(bytes.TrimSpace(parts[1]))
		if !ok {
			return ind, fmt.Errorf("score %q is not a number from 0 to 100", clip(bytes.TrimSpace(parts[1])))
		}
		ind.Score = sc
	}
	if len(parts) > 2 && len(bytes.TrimSpace(parts[2])) > 0 {
		if ind.FalsePositive, err = translateRegex(bytes.TrimSpace(parts[2])); err != nil {
			return ind, fmt.Errorf("false-positive regex: %w", err)
		}
	}
	return ind, ind.Validate()
}

// indicator starts an indicator for the current line.
func (l *loader) indicator(t intel.Type, score int, description string) intel.Indicator {
	return intel.Indicator{
		ID: l.src.ID + ":" + strconv.Itoa(l.lines.n), Type: t, Score: score, Description: description,
		Incident: l.opts.Incident, Sources: []string{l.src.ID},
	}
}

// translateRegex turns a signature-base (Python re) regex into RE2 syntax:
// "{,n}" means "{0,n}" in Python but is a literal in RE2, and Python's "\Z"
// is RE2's "\z". It reports expressions RE2 cannot run as ErrUnsupported.
func translateRegex(expr []byte) (string, error) {
	if len(expr) == 0 {
		return "", errors.New("empty regex")
	}
	out := make([]byte, 0, len(expr)+4)
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr):
			next := expr[i+1]
			if next == 'Z' && !inClass {
				next = 'z'
			}
			out = append(out, c, next)
			i++
		case c == '[' && !inClass:
			inClass = true
			out = append(out, c)
			// A ']' right after '[' or '[^' is a literal member.
			if i+1 < len(expr) && expr[i+1] == '^' {
				out = append(out, '^')
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				out = append(out, ']')
				i++
			}
		case c == ']' && inClass:
			inClass = false
			out = append(out, c)
		case c == '{' && !inClass && i+1 < len(expr) && expr[i+1] == ',':
			out = append(out, '{', '0')
		default:
			out = append(out, c)
		}
	}
	s := text(out)
	if _, err := syntax.Parse("(?i)"+s, syntax.Perl); err != nil {
		if unsupported(err) {
			return "", fmt.Errorf("regex %q %w", s, ErrUnsupported)
		}
		return "", fmt.Errorf("regex %q: %w", s, err)
	}
	return s, nil
}

// unsupported tells PCRE-only syntax from plain mistakes.
func unsupported(err error) bool {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidRepeatOp, syntax.ErrInvalidRepeatSize,
		syntax.ErrLarge, syntax.ErrNestingDepth:
		return true
	case syntax.ErrInvalidEscape:
		return len(se.Expr) == 2 && se.Expr[1] >= '1' && se.Expr[1] <= '9'
	case syntax.ErrInvalidNamedCapture:
		return bytes.HasPrefix([]byte(se.Expr), []byte("(?P="))
	}
	return false
}
