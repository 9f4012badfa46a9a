package syntax

import (
	"strconv"
	"strings"
)

// maxTokens bounds the tokens of one file, so a huge input fails early.
const maxTokens = 4 << 20

// lexer turns rule text into tokens. YARA's grammar is context
// sensitive in two places, both decided by the previous token: after
// "=" a "{" opens a hex string, and "/" always opens a regular
// expression (YARA's division operator is "\").
type lexer struct {
	src       string
	file      string
	off       int
	line, col int
	prev      Token
}

// Tokenize splits src into tokens, ending with an EOF token.
func Tokenize(file, src string) ([]Token, error) {
	lx := &lexer{src: src, file: file, line: 1, col: 1}
	var out []Token
	for {
		t, err := lx.next()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		if t.Kind == EOF {
			return out, nil
		}
		if len(out) > maxTokens {
			return nil, &Error{t.Pos, "too many tokens"}
		}
		lx.prev = t
	}
}

func (lx *lexer) pos() Pos { return Pos{lx.file, lx.line, lx.col} }

func (lx *lexer) errf(p Pos, format string, a ...any) error {
	return &Error{p, sprintf(format, a...)}
}

func (lx *lexer) peekByte(i int) byte {
	if lx.off+i < len(lx.src) {
		return lx.src[lx.off+i]
	}
	return 0
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.off < len(lx.src); i++ {
		if lx.src[lx.off] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.off++
	}
}

// skipSpace skips blanks and comments.
func (lx *lexer) skipSpace() error {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			lx.advance(1)
		case c == '/' && lx.peekByte(1) == '/':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.peekByte(1) == '*':
			p := lx.pos()
			end := strings.Index(lx.src[lx.off+2:], "*/")
			if end < 0 {
				return lx.errf(p, "unterminated comment")
			}
			lx.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

var ops = []string{"..", "==", "!=", "<=", ">=", "<<", ">>", "<", ">", "(", ")", "[", "]", "{", "}",
	",", ":", "=", "+", "-", "*", "\\", "%", "&", "|", "^", "~", "."}

func (lx *lexer) next() (Token, error) {
	if err := lx.skipSpace(); err != nil {
		return Token{}, err
	}
	p := lx.pos()
	if lx.off >= len(lx.src) {
		return Token{Kind: EOF, Pos: p}, nil
	}
	c := lx.src[lx.off]
	switch {
	case c == '"':
		return lx.str(p)
	case c == '/':
		return lx.regex(p)
	case c == '{' && lx.prev.Kind == Op && lx.prev.Text == "=":
		return lx.hex(p)
	case c == '$' || c == '#' || c == '@' || c == '!' && lx.peekByte(1) != '=':
		return lx.strID(p, c)
	case isDigit(c):
		return lx.number(p)
	case isIdentStart(c):
		return lx.ident(p), nil
	}
	for _, o := range ops {
		if strings.HasPrefix(lx.src[lx.off:], o) {
			lx.advance(len(o))
			return Token{Kind: Op, Pos: p, Text: o}, nil
		}
	}
	return Token{}, lx.errf(p, "unexpected character %q", c)
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func (lx *lexer) ident(p Pos) Token {
	start := lx.off
	for lx.off < len(lx.src) && isIdentChar(lx.src[lx.off]) {
		lx.advance(1)
	}
	word := lx.src[start:lx.off]
	if keywords[word] {
		return Token{Kind: Keyword, Pos: p, Text: word}
	}
	return Token{Kind: Identifier, Pos: p, Text: word}
}

// strID reads $name, $name*, $, #name, @name and !name.
func (lx *lexer) strID(p Pos, c byte) (Token, error) {
	lx.advance(1)
	start := lx.off
	for lx.off < len(lx.src) && isIdentChar(lx.src[lx.off]) {
		lx.advance(1)
	}
	name := lx.src[start:lx.off]
	kind := map[byte]Kind{'$': StrID, '#': StrCount, '@': StrOffset, '!': StrLength}[c]
	if kind == StrID && lx.off < len(lx.src) && lx.src[lx.off] == '*' {
		lx.advance(1)
		name += "*"
	}
	return Token{Kind: kind, Pos: p, Text: string(c) + name}, nil
}

func (lx *lexer) number(p Pos) (Token, error) {
	start := lx.off
	s := lx.src[lx.off:]
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		lx.advance(2)
		for lx.off < len(lx.src) && strings.IndexByte("0123456789abcdefABCDEF", lx.src[lx.off]) >= 0 {
			lx.advance(1)
		}
		v, err := strconv.ParseUint(lx.src[start+2:lx.off], 16, 64)
		if err != nil {
			return Token{}, lx.errf(p, "invalid hex number %q", lx.src[start:lx.off])
		}
		return Token{Kind: Int, Pos: p, Text: lx.src[start:lx.off], Int: int64(v)}, nil
	case strings.HasPrefix(s, "0o"):
		lx.advance(2)
		for lx.off < len(lx.src) && lx.src[lx.off] >= '0' && lx.src[lx.off] <= '7' {
			lx.advance(1)
		}
		v, err := strconv.ParseUint(lx.src[start+2:lx.off], 8, 64)
		if err != nil {
			return Token{}, lx.errf(p, "invalid octal number %q", lx.src[start:lx.off])
		}
		return Token{Kind: Int, Pos: p, Text: lx.src[start:lx.off], Int: int64(v)}, nil
	}
	for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
		lx.advance(1)
	}
	if lx.peekByte(0) == '.' && isDigit(lx.peekByte(1)) {
		lx.advance(1)
		for lx.off < len(lx.src) && isDigit(lx.src[lx.off]) {
			lx.advance(1)
		}
		f, err := strconv.ParseFloat(lx.src[start:lx.off], 64)
		if err != nil {
			return Token{}, lx.errf(p, "invalid number %q", lx.src[start:lx.off])
		}
		return Token{Kind: Float, Pos: p, Text: lx.src[start:lx.off], Float: f}, nil
	}
	v, err := strconv.ParseInt(lx.src[start:lx.off], 10, 64)
	if err != nil {
		return Token{}, lx.errf(p, "integer %q out of range", lx.src[start:lx.off])
	}
	mult := int64(1)
	if strings.HasPrefix(lx.src[lx.off:], "KB") {
		mult = 1024
	} else if strings.HasPrefix(lx.src[lx.off:], "MB") {
		mult = 1024 * 1024
	}
	if mult > 1 {
		lx.advance(2)
		if v > (1<<63-1)/mult {
			return Token{}, lx.errf(p, "integer out of range")
		}
		v *= mult
	}
	return Token{Kind: Int, Pos: p, Text: lx.src[start:lx.off], Int: v}, nil
}
