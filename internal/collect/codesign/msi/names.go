package msi

import (
	"strings"
	"unicode/utf16"
)

// MSI packs table and stream names into CJK code points: 0x3800–0x47ff hold
// two characters of the set [0-9A-Za-z._], 0x4800–0x483f one, and 0x4840
// marks a table ("!").
const nameChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// decodeName turns a raw directory name into its readable form, e.g.
// "!_StringPool" or "\x05SummaryInformation".
func decodeName(raw []uint16) string {
	var b strings.Builder
	for _, c := range raw {
		switch {
		case c >= 0x3800 && c < 0x4800:
			v := c - 0x3800
			b.WriteByte(nameChars[v&0x3f])
			b.WriteByte(nameChars[v>>6&0x3f])
		case c >= 0x4800 && c < 0x4840:
			b.WriteByte(nameChars[c-0x4800])
		case c == 0x4840:
			b.WriteByte('!')
		default:
			b.WriteString(string(utf16.Decode([]uint16{c})))
		}
	}
	return b.String()
}

func name(e *entry) string { return decodeName(e.name) }
