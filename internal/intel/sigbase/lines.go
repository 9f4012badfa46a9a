package sigbase

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Caps on one file. IOC files come from analysts, but a wrong path (a disk
// image, /dev/zero) must fail fast rather than exhaust memory.
const (
	MaxLineBytes    = 64 << 10
	DefaultMaxLines = 20_000_000
)

// lineReader yields the meaningful lines of a file: without a UTF-8 byte
// order mark, line ending or surrounding white space, skipping blank lines
// and '#' comments (the last comment is kept, as the tools use it to
// describe the entries below it).
type lineReader struct {
	name     string
	sc       *bufio.Scanner
	n        int // current line, 1-based
	maxLines int
	comment  string // text of the last comment line
	err      error
}

func newLineReader(name string, r io.Reader, maxLines int) *lineReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4<<10), MaxLineBytes)
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	return &lineReader{name: name, sc: sc, maxLines: maxLines}
}

// next returns the next entry line; the slice is valid until the next
// call. It returns false at the end or on an error (see failure).
func (lr *lineReader) next() ([]byte, bool) {
	for lr.sc.Scan() {
		lr.n++
		if lr.n > lr.maxLines {
			lr.err = fmt.Errorf("more than %d lines", lr.maxLines)
			return nil, false
		}
		line := lr.sc.Bytes()
		if lr.n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			lr.comment = text(bytes.TrimSpace(bytes.TrimLeft(line, "#")))
			continue
		}
		return line, true
	}
	if err := lr.sc.Err(); err != nil {
		lr.n++
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
		}
		lr.err = err
	}
	return nil, false
}

// failure is the reader's own error (I/O, caps), if any.
func (lr *lineReader) failure() error {
	if lr.err == nil {
		return nil
	}
	return &intel.LoadError{File: lr.name, Line: lr.n, Err: lr.err}
}

// text converts bytes from the file to a string, replacing invalid UTF-8
// (lists are often saved in a legacy code page) so that JSON output stays
// valid.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// validUTF8 returns b, or a copy with invalid sequences replaced.
func validUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// score parses a score field: decimal digits, 0 to 100.
func score(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, v <= 100
}

// isDigits reports whether b is a non-empty run of ASCII digits.
func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
