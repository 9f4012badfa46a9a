package stixpattern

import (
	"fmt"
	"unicode/utf8"
)

// startsNumber reports whether a sign or dot at i begins a number literal.
func (l *lexer) startsNumber(i int) bool {
	at := func(j int) byte {
		if j < len(l.src) {
			return l.src[j]
		}
		return 0
	}
	switch l.src[i] {
	case '+', '-':
		return isDigit(at(i+1)) || (at(i+1) == '.' && isDigit(at(i+2)))
	case '.':
		return isDigit(at(i + 1))
	}
	return false
}

// number reads IntPosLiteral/IntNegLiteral ('0' or no leading zero) or
// FloatPosLiteral/FloatNegLiteral ([0-9]* '.' [0-9]+), with optional sign.
func (l *lexer) number() (token, error) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	intStart := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	intDigits := l.src[intStart:l.pos]
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && isDigit(l.src[l.pos+1]) {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		n, err := floatNumber(l.src[start:l.pos])
		if err != nil {
			return token{}, l.errAt(start, "invalid float literal")
		}
		return l.tok(tFloat, start, literal{kind: litFloat, num: n}), nil
	}
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return token{}, l.errAt(start, "invalid integer literal: leading zeros are not allowed")
	}
	n, ok := intNumber(l.src[start:l.pos])
	if !ok {
		return token{}, l.errAt(start, "invalid integer literal")
	}
	return l.tok(tInt, start, literal{kind: litInt, num: n}), nil
}

// punct reads operators and punctuation.
func (l *lexer) punct() (token, error) {
	start := l.pos
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	kind := tEOF
	width := 1
	switch two {
	case "==":
		kind, width = tEQ, 2
	case "!=", "<>":
		kind, width = tNEQ, 2
	case "<=":
		kind, width = tLE, 2
	case ">=":
		kind, width = tGE, 2
	}
	if kind == tEOF {
		kind = singles[l.src[l.pos]]
	}
	if kind == tEOF {
		r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
		return token{}, l.errAt(start, fmt.Sprintf("invalid character %q", r))
	}
	l.pos += width
	return l.tok(kind, start, literal{}), nil
}

var singles = map[byte]tokKind{
	'=': tEQ, '<': tLT, '>': tGT, ':': tColon, '.': tDot, ',': tComma,
	'(': tLParen, ')': tRParen, '[': tLBrack, ']': tRBrack, '*': tAsterisk,
	'+': tOther, '-': tOther, '^': tOther, '/': tOther,
}
