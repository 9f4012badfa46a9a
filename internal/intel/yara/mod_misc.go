package yara

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// timeModule is yara's time module: now() is the Unix time at evaluation.
func timeModule() *module {
	return &module{funcs: map[string][]moduleFunc{
		"now": {{"", tInt, func(*evalCtx, mobj, []value) value { return vInt(time.Now().Unix()) }}},
	}}
}

// consoleModule is yara's console module: log and hex hand a message to
// ScanData.Log (the yara CLI prints it before the file's rule lines)
// and are true. Strings are escaped as yara does: bytes that are not
// printable ASCII become \xNN; the message prefix ends at a NUL byte, as
// a C string does.
func consoleModule() *module {
	emit := func(e *evalCtx, msg string) value {
		if e.in.Log != nil {
			e.in.Log(msg)
		}
		return vInt(1)
	}
	cstr := func(s string) string {
		if i := strings.IndexByte(s, 0); i >= 0 {
			return s[:i]
		}
		return s
	}
	return &module{funcs: map[string][]moduleFunc{
		"log": {
			{"s", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, consoleEscape(a[0].s)) }},
			{"ss", tInt, func(e *evalCtx, _ mobj, a []value) value {
				return emit(e, cstr(a[0].s)+consoleEscape(a[1].s))
			}},
			{"i", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, fmt.Sprint(a[0].i)) }},
			{"si", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, cstr(a[0].s)+fmt.Sprint(a[1].i)) }},
			{"f", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, cFloat(a[0].f)) }},
			{"sf", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, cstr(a[0].s)+cFloat(a[1].f)) }},
		},
		"hex": {
			{"i", tInt, func(e *evalCtx, _ mobj, a []value) value { return emit(e, fmt.Sprintf("0x%x", uint64(a[0].i))) }},
			{"si", tInt, func(e *evalCtx, _ mobj, a []value) value {
				return emit(e, cstr(a[0].s)+fmt.Sprintf("0x%x", uint64(a[1].i)))
			}},
		},
	}}
}

// consoleEscape writes bytes outside printable ASCII as \xNN.
func consoleEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02x", c)
		}
	}
	return b.String()
}

// cFloat formats as C's %f: six decimals, inf and nan spelled as glibc does.
func cFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return fmt.Sprintf("%f", f)
}

// stringModule is the string module of yara 4.3 (yara 4.2 has none):
// to_int parses as C's strtoll (leading space, a sign, a 0x or 0 prefix
// when the base allows it) and is undefined unless the whole string is a
// number in range; length counts bytes.
func stringModule() *module {
	return &module{funcs: map[string][]moduleFunc{
		"to_int": {
			{"s", tInt, func(_ *evalCtx, _ mobj, a []value) value { return strtoll(a[0].s, 0) }},
			{"si", tInt, func(_ *evalCtx, _ mobj, a []value) value {
				if b := a[1].i; b != 0 && (b < 2 || b > 36) {
					return undef
				}
				return strtoll(a[0].s, int(a[1].i))
			}},
		},
		"length": {{"s", tInt, func(_ *evalCtx, _ mobj, a []value) value { return vInt(int64(len(a[0].s))) }}},
	}}
}

// strtoll is C's strtoll over a C string (it ends at a NUL), with
// yara's rule that the digits must reach the end of the string.
func strtoll(s string, base int) value {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	hasHexPrefix := i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitVal(s[i+2]) < 16
	switch {
	case (base == 0 || base == 16) && hasHexPrefix:
		base = 16
		i += 2
	case base == 0 && i < len(s) && s[i] == '0':
		base = 8
	case base == 0:
		base = 10
	}
	start := i
	var u uint64
	overflow := false
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if u > (limit-uint64(d))/uint64(base) {
			overflow = true
		}
		u = u*uint64(base) + uint64(d)
		i++
	}
	if i == start || i != len(s) || overflow {
		return undef
	}
	if neg {
		return vInt(int64(-u))
	}
	return vInt(int64(u))
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}
