// Package visible shows text from a host or an intel document as its
// characters are, not as a terminal or browser renders them. It is a leaf
// (standard library only) shared by the web UI and the CLI's tables.
package visible

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String escapes s: bidirectional overrides and isolates (a right-to-left
// override turns "exe.dll" around), other invisible format characters,
// control characters and line separators become "<U+202E>", and bytes
// that are not UTF-8 become "<0xFF>". Anything else is kept, so a string
// that needs nothing is returned as it is.
func String(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "<0x%02X>", s[i])
		case Hidden(r):
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
		if Hidden(r) {
			return true
		}
	}
	return false
}

// Hidden reports a character that changes or hides how text around it
// reads: controls (C0, DEL, C1), format characters (Cf: the bidi marks,
// embeddings, overrides and isolates U+200E–U+200F, U+202A–U+202E,
// U+2066–U+2069, zero-width characters, U+FEFF) and the line and
// paragraph separators.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}
