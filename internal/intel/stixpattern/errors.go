package stixpattern

import (
	"errors"
	"fmt"
	"strings"
)

// SyntaxError is an invalid pattern: a token the grammar does not allow
// there, a malformed constant, or a rule of section 9 the pattern breaks
// (duplicate qualifier, REPEATS 0 TIMES, AND across object types, …).
type SyntaxError struct {
	Pos      int      // byte offset of the offending token, from 0
	Line     int      // line of Pos, from 1
	Col      int      // byte column of Pos within its line, from 1
	Expected []string // what the grammar allows at Pos, when that is the problem
	Found    string   // the offending token as written, or "end of pattern"
	Msg      string   // the problem, when it is not an unexpected token
}

func (e *SyntaxError) Error() string {
	where := fmt.Sprintf("%d:%d: ", e.Line, e.Col)
	if len(e.Expected) > 0 {
		return where + "expected " + joinOr(e.Expected) + ", found " + e.Found
	}
	return where + e.Msg
}

// joinOr renders a list as "a, b or c".
func joinOr(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// ErrTooComplex is returned when a pattern cannot be evaluated within the
// evaluator's work limits (see Limits).
var ErrTooComplex = errors.New("pattern too complex to evaluate within limits")

// DataError is an observation value the pattern cannot be evaluated
// against: a string compared with a timestamp constant that is not a
// timestamp, a *_ref that is not a string, malformed *_hex or *_bin data, an
// ISSUBSET/ISSUPERSET operand that is not an IP address. The reference
// matcher raises an error in these cases instead of answering.
type DataError struct {
	Observation string // id of the observed-data
	Path        string // the object path being evaluated
	Msg         string
}

func (e *DataError) Error() string {
	return fmt.Sprintf("observation %s: %s: %s", e.Observation, e.Path, e.Msg)
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// position converts a byte offset to a 1-based line and byte column.
func position(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	line = 1 + strings.Count(src[:pos], "\n")
	col = pos - strings.LastIndexByte(src[:pos], '\n')
	return line, col
}

func (l *lexer) errAt(pos int, msg string) *SyntaxError {
	line, col := position(l.src, pos)
	return &SyntaxError{Pos: pos, Line: line, Col: col, Msg: msg}
}
