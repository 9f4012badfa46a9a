package stixpattern

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// litKind is the type of a pattern constant (STIX 2.1 section 9.2).
type litKind uint8

const (
	litString litKind = iota
	litInt
	litFloat
	litBytes // binary b'…' or hex h'…'
	litBool
	litTime
)

// literal is a decoded pattern constant.
type literal struct {
	kind  litKind
	str   string
	bytes []byte
	hex   bool // bytes were written as h'…'
	num   number
	b     bool
	ts    time.Time
}

// sameType reports whether two constants may share a set: identical kinds,
// or integers mixed with floats.
func (l literal) sameType(o literal) bool {
	if l.kind == o.kind {
		return true
	}
	return l.isNumber() && o.isNumber()
}

func (l literal) isNumber() bool { return l.kind == litInt || l.kind == litFloat }

// number is an integer of any size or a float, compared exactly with each
// other ("the full value must be compared and must not be truncated").
type number struct {
	isInt bool
	i     *big.Int
	f     float64
}

func intNumber(s string) (number, bool) {
	s = strings.TrimPrefix(s, "+")
	i, ok := new(big.Int).SetString(s, 10)
	return number{isInt: true, i: i}, ok
}

func floatNumber(s string) (number, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return number{}, err
	}
	return number{f: f}, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// cmpNumber compares two numbers exactly.
func cmpNumber(a, b number) int {
	switch {
	case a.isInt && b.isInt:
		return a.i.Cmp(b.i)
	case !a.isInt && !b.isInt:
		switch {
		case a.f < b.f:
			return -1
		case a.f > b.f:
			return 1
		}
		return 0
	case a.isInt:
		return -cmpFloatInt(b.f, a.i)
	}
	return cmpFloatInt(a.f, b.i)
}

func cmpFloatInt(f float64, i *big.Int) int {
	if math.IsInf(f, 1) {
		return 1
	}
	if math.IsInf(f, -1) {
		return -1
	}
	return new(big.Float).SetFloat64(f).Cmp(new(big.Float).SetInt(i))
}

func (n number) String() string {
	if n.isInt {
		return n.i.String()
	}
	return strconv.FormatFloat(n.f, 'g', -1, 64)
}

// parseTimestamp reads a STIX timestamp: YYYY-MM-DDTHH:MM:SS[.fraction]Z,
// upper-case T and Z, as the 2.1 grammar's TimestampLiteral and the STIX
// timestamp type (section 2.16) require. A leap second (:60) is accepted and
// denotes the instant after :59. Digits beyond nanoseconds are truncated.
func parseTimestamp(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("invalid timestamp %q: %s", s, why)
	}
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	if s[len(s)-1] != 'Z' {
		return bad("must end in upper-case Z (UTC)")
	}
	f := []int{}
	for _, r := range [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		v, ok := digits(s[r[0]:r[1]])
		if !ok {
			return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
		}
		f = append(f, v)
	}
	nsec, ok := fraction(s[19 : len(s)-1])
	if !ok {
		return bad("malformed fractional seconds")
	}
	year, mon, day, hh, mm, ss := f[0], f[1], f[2], f[3], f[4], f[5]
	switch {
	case mon < 1 || mon > 12:
		return bad("month out of range")
	case day < 1 || day > daysIn(year, mon):
		return bad("day out of range")
	case hh > 23 || mm > 59 || ss > 60:
		return bad("time of day out of range")
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, time.UTC), nil
}

func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, s != ""
}

// fraction reads "" or ".ddd…" into nanoseconds.
func fraction(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	if s[0] != '.' || len(s) < 2 {
		return 0, false
	}
	ns := 0
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		if i <= 9 {
			ns = ns*10 + int(s[i]-'0')
		}
	}
	for i := len(s) - 1; i < 9; i++ {
		ns *= 10
	}
	return ns, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// formatTimestamp renders t in the canonical STIX form.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z")
}
