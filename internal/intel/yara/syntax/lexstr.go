package syntax

import (
	"fmt"
	"strings"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func unhex(c byte) int {
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

// str reads a double-quoted text string with YARA's escapes:
// \" \\ \t \n \r \xHH.
func (lx *lexer) str(p Pos) (Token, error) {
	lx.advance(1)
	var b strings.Builder
	for {
		if lx.off >= len(lx.src) || lx.src[lx.off] == '\n' {
			return Token{}, lx.errf(p, "unterminated string")
		}
		c := lx.src[lx.off]
		if c == '"' {
			lx.advance(1)
			return Token{Kind: String, Pos: p, Text: b.String()}, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			lx.advance(1)
			continue
		}
		ep := lx.pos()
		switch e := lx.peekByte(1); e {
		case '"', '\\':
			b.WriteByte(e)
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'x':
			hi, lo := unhex(lx.peekByte(2)), unhex(lx.peekByte(3))
			if hi < 0 || lo < 0 {
				return Token{}, lx.errf(ep, "illegal escape sequence")
			}
			b.WriteByte(byte(hi<<4 | lo))
			lx.advance(2)
		default:
			return Token{}, lx.errf(ep, "illegal escape sequence")
		}
		lx.advance(2)
	}
}

// regex reads /pattern/flags; the pattern is kept raw for the regex
// parser, except that "\/" becomes "/".
func (lx *lexer) regex(p Pos) (Token, error) {
	lx.advance(1)
	var b strings.Builder
	for {
		if lx.off >= len(lx.src) || lx.src[lx.off] == '\n' {
			return Token{}, lx.errf(p, "unterminated regular expression")
		}
		c := lx.src[lx.off]
		if c == '/' {
			lx.advance(1)
			break
		}
		if c == '\\' && lx.off+1 < len(lx.src) {
			if lx.src[lx.off+1] == '/' {
				b.WriteByte('/')
			} else {
				b.WriteByte('\\')
				b.WriteByte(lx.src[lx.off+1])
			}
			lx.advance(2)
			continue
		}
		b.WriteByte(c)
		lx.advance(1)
	}
	if b.Len() == 0 {
		return Token{}, lx.errf(p, "empty regular expression")
	}
	start := lx.off
	for lx.off < len(lx.src) && (lx.src[lx.off] == 'i' || lx.src[lx.off] == 's') {
		lx.advance(1)
	}
	return Token{Kind: Regex, Pos: p, Text: b.String(), Flags: lx.src[start:lx.off]}, nil
}

// hex reads a hex string's body up to the closing brace; comments
// inside it are removed here.
func (lx *lexer) hex(p Pos) (Token, error) {
	lx.advance(1)
	var b strings.Builder
	for {
		if lx.off >= len(lx.src) {
			return Token{}, lx.errf(p, "unterminated hex string")
		}
		c := lx.src[lx.off]
		switch {
		case c == '}':
			lx.advance(1)
			return Token{Kind: Hex, Pos: p, Text: b.String()}, nil
		case c == '/' && (lx.peekByte(1) == '/' || lx.peekByte(1) == '*'):
			if err := lx.skipSpace(); err != nil {
				return Token{}, err
			}
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
			lx.advance(1)
		}
	}
}
