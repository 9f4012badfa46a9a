package server

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// visible shows a string from a host or an intel document as its
// characters are, not as they render: bidirectional overrides and
// isolates (a right-to-left override turns "exe.dll" around), other
// invisible format characters, control characters and line separators
// become "<U+202E>", and bytes that are not UTF-8 become "<0xFF>". The
// UI passes every path, name and other agent-supplied text through it
// (the template function "vis"; a value of another string type is
// taken as its string, anything else as fmt prints it).
func visible(v any) string {
	var s string
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		s = rv.String()
	} else {
		s = fmt.Sprint(v)
	}
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "<0x%02X>", s[i])
		case hidden(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			continue // printable ASCII: the common case, without table lookups
		}
		if hidden(r) {
			return true
		}
	}
	return false
}

// hidden reports a character that changes or hides how text around it
// reads: controls (C0, DEL, C1), format characters (Cf: the bidi marks,
// embeddings, overrides and isolates U+200E–U+200F, U+202A–U+202E,
// U+2066–U+2069, zero-width characters, U+FEFF) and the line and
// paragraph separators.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}
