package stixpattern

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// lexer splits a pattern into tokens the way the grammar's ANTLR lexer does:
// longest match, keywords before identifiers, whitespace and /* */ and //
// comments skipped.
type lexer struct {
	src string
	pos int
}

// isSpace reports the code points with the Unicode White_Space property,
// the grammar's WS rule.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '-' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skip passes whitespace and comments.
func (l *lexer) skip() error {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case isSpace(r):
			l.pos += n
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errAt(l.pos, "unterminated /* comment")
			}
			l.pos += end + 4
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				end = len(l.src) - l.pos
			}
			l.pos += end
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := l.src[start]
	switch {
	case (c == 'h' || c == 'b' || c == 't') && start+1 < len(l.src) && l.src[start+1] == '\'':
		return l.prefixed(c)
	case isIdentStart(c):
		return l.ident(), nil
	case c == '\'':
		s, err := l.quoted(start)
		if err != nil {
			return token{}, err
		}
		return l.tok(tString, start, literal{kind: litString, str: s}), nil
	case isDigit(c) || ((c == '+' || c == '-' || c == '.') && l.startsNumber(start)):
		return l.number()
	}
	return l.punct()
}

func (l *lexer) tok(k tokKind, start int, lit literal) token {
	return token{kind: k, pos: start, end: l.pos, text: l.src[start:l.pos], lit: lit}
}

func (l *lexer) ident() token {
	start := l.pos
	hyphen := false
	for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
		hyphen = hyphen || l.src[l.pos] == '-'
		l.pos++
	}
	text := l.src[start:l.pos]
	if k, ok := keywords[text]; ok {
		return l.tok(k, start, literal{kind: litBool, b: text == "true"})
	}
	if hyphen {
		return l.tok(tIdentHyphen, start, literal{})
	}
	return l.tok(tIdent, start, literal{})
}

// quoted reads a string literal body starting at the opening apostrophe at
// q. Only \' and \\ are escapes; any other backslash is an error.
func (l *lexer) quoted(q int) (string, error) {
	var b strings.Builder
	i := q + 1
	for i < len(l.src) {
		c := l.src[i]
		switch c {
		case '\'':
			l.pos = i + 1
			return b.String(), nil
		case '\\':
			if i+1 >= len(l.src) || (l.src[i+1] != '\'' && l.src[i+1] != '\\') {
				return "", l.errAt(i, `invalid escape in string literal: only \' and \\ are allowed`)
			}
			b.WriteByte(l.src[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", l.errAt(q, "unterminated string literal")
}

// prefixed reads h'…', b'…' or t'…'.
func (l *lexer) prefixed(p byte) (token, error) {
	start := l.pos
	body, err := l.quoted(start + 1)
	if err != nil {
		return token{}, err
	}
	switch p {
	case 'h':
		b, err := decodeHexLiteral(body)
		if err != nil {
			return token{}, l.errAt(start, err.Error())
		}
		return l.tok(tHex, start, literal{kind: litBytes, bytes: b, hex: true}), nil
	case 'b':
		b, err := decodeBase64Literal(body)
		if err != nil {
			return token{}, l.errAt(start, err.Error())
		}
		return l.tok(tBinary, start, literal{kind: litBytes, bytes: b}), nil
	}
	ts, err := parseTimestamp(body)
	if err != nil {
		return token{}, l.errAt(start, "invalid timestamp literal: "+err.Error())
	}
	return l.tok(tTimestamp, start, literal{kind: litTime, ts: ts}), nil
}

func decodeHexLiteral(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return nil, errorf("invalid hex literal: %q is not a hex digit", s[i])
		}
	}
	if len(s)%2 != 0 {
		return nil, errorf("invalid hex literal: odd number of hex digits")
	}
	b, _ := hex.DecodeString(s)
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// decodeBase64Literal decodes RFC 4648 base64 with padding. Line feeds (and
// carriage returns) are ignored, as section 9.2 requires; the data must not
// be empty, as the grammar's BinaryLiteral requires.
func decodeBase64Literal(s string) ([]byte, error) {
	clean := strings.NewReplacer("\n", "", "\r", "").Replace(s)
	if clean == "" {
		return nil, errorf("invalid binary literal: empty")
	}
	for i := 0; i < len(clean); i++ {
		c := clean[i]
		if !(isIdentStart(c) && c != '_') && !isDigit(c) && c != '+' && c != '/' && c != '=' {
			return nil, errorf("invalid binary literal: %q is not a base64 character", c)
		}
	}
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, errorf("invalid binary literal: not valid padded base64")
	}
	return b, nil
}
