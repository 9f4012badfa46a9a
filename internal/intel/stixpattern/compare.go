package stixpattern

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// test evaluates one comparison against one selected value. NOT negates the
// result for that value; a comparison whose path selects nothing is false
// whatever the operator (the caller never calls test then).
func (c *cmpNode) test(v *value) (bool, error) {
	var r bool
	var err error
	switch c.op {
	case opEQ, opNEQ:
		r, err = equalTo(v, c.lit)
		if c.op == opNEQ {
			r = !r
		}
	case opLT, opLE, opGT, opGE:
		var cmp int
		var ok bool
		cmp, ok, err = compareTo(v, c.lit)
		r = ok && orderHolds(c.op, cmp)
	case opIN:
		for _, l := range c.set {
			if r, err = equalTo(v, l); r || err != nil {
				break
			}
		}
	case opLIKE, opMATCHES:
		r = c.regexTest(v)
	case opISSUBSET, opISSUPERSET:
		r, err = c.ipTest(v)
	}
	if err != nil {
		return false, err
	}
	return r != c.not, nil
}

func orderHolds(o op, cmp int) bool {
	switch o {
	case opLT:
		return cmp < 0
	case opLE:
		return cmp <= 0
	case opGT:
		return cmp > 0
	}
	return cmp >= 0
}

// equalTo is the = operator between a JSON value and a constant. Values of
// incomparable types are unequal (section 9.6.1). Strings are compared
// code point by code point, without normalization (9.6.2); binary values as
// bytes, a string being convertible to bytes when all its code points are
// below U+0100 (9.6.4).
func equalTo(v *value, l literal) (bool, error) {
	switch l.kind {
	case litTime:
		if v.kind != vString {
			return false, nil
		}
		t, err := valueTimestamp(v)
		return err == nil && t.Equal(l.ts), err
	case litString:
		switch v.kind {
		case vString:
			return v.str == l.str, nil
		case vBytes:
			b, ok := latin1Bytes(l.str)
			return ok && bytes.Equal(v.bytes, b), nil
		}
	case litBytes:
		switch v.kind {
		case vBytes:
			return bytes.Equal(v.bytes, l.bytes), nil
		case vString:
			b, ok := latin1Bytes(v.str)
			return ok && bytes.Equal(b, l.bytes), nil
		}
	case litInt, litFloat:
		return v.kind == vNumber && cmpNumber(v.num, l.num) == 0, nil
	case litBool:
		return v.kind == vBool && v.b == l.b, nil
	}
	return false, nil
}

// compareTo orders a JSON value against a constant; ok is false when the
// types cannot be ordered (then every order operator is false).
func compareTo(v *value, l literal) (cmp int, ok bool, err error) {
	switch l.kind {
	case litTime:
		if v.kind != vString {
			return 0, false, nil
		}
		t, err := valueTimestamp(v)
		if err != nil {
			return 0, false, err
		}
		return t.Compare(l.ts), true, nil
	case litString:
		switch v.kind {
		case vString:
			return strings.Compare(v.str, l.str), true, nil
		case vBytes:
			b, ok := latin1Bytes(l.str)
			return bytes.Compare(v.bytes, b), ok, nil
		}
	case litBytes:
		switch v.kind {
		case vBytes:
			return bytes.Compare(v.bytes, l.bytes), true, nil
		case vString:
			b, ok := latin1Bytes(v.str)
			return bytes.Compare(b, l.bytes), ok, nil
		}
	case litInt, litFloat:
		if v.kind == vNumber {
			return cmpNumber(v.num, l.num), true, nil
		}
	}
	return 0, false, nil
}

// valueTimestamp reads a JSON string compared with a timestamp constant. As
// in the reference matcher, a string that is not a STIX timestamp is an
// error rather than a silent mismatch.
func valueTimestamp(v *value) (t time.Time, err error) {
	t, err = parseTimestamp(v.str)
	if err != nil {
		return t, dataErr("compared with a timestamp: %v", err)
	}
	return t, nil
}

// regexTest is LIKE and MATCHES. Strings are NFC-normalized first. Binary
// values are matched byte for byte (each byte as the code point of the
// same number) when the pattern has no code point above U+00FF; otherwise,
// and for any other type, the result is false.
func (c *cmpNode) regexTest(v *value) bool {
	switch v.kind {
	case vString:
		return c.re.MatchString(norm.NFC.String(v.str))
	case vBytes:
		return c.latin1 && c.re.MatchString(latin1String(v.bytes))
	}
	return false
}

// ipTest is ISSUBSET and ISSUPERSET over IPv4 and IPv6 addresses and CIDR
// blocks. Non-string values are false; a string that is not an address or
// block is a data error, as in the reference matcher.
func (c *cmpNode) ipTest(v *value) (bool, error) {
	if v.kind != vString {
		return false, nil
	}
	pfx, err := parseIPOrCIDR(v.str)
	if err != nil {
		return false, dataErr("%s: %q is not an IP address or CIDR block", c.op, v.str)
	}
	if c.op == opISSUBSET {
		return prefixContains(c.prefix, pfx), nil
	}
	return prefixContains(pfx, c.prefix), nil
}

// latin1Bytes converts a string whose code points are all below U+0100 to
// the bytes of those code points.
func latin1Bytes(s string) ([]byte, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, false
		}
		b = append(b, byte(r))
	}
	return b, true
}

// latin1String is the inverse of latin1Bytes: each byte becomes the code
// point of the same value.
func latin1String(b []byte) string {
	buf := make([]byte, 0, len(b)*2)
	for _, c := range b {
		buf = utf8.AppendRune(buf, rune(c))
	}
	return string(buf)
}
