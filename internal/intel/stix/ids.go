package stix

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
)

// Namespaces for UUIDv5 identifiers.
var (
	// scoNamespace is the namespace STIX 2.1 (section 2.9) fixes for
	// cyber-observable identifiers.
	scoNamespace = mustUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
	// cascadeNamespace derives the identifiers of the domain objects
	// cascade exports, so repeated exports are identical.
	cascadeNamespace = mustUUID("6f3c0d55-8a1e-4c1b-9d6e-2f7a4b3c9e10")
)

func mustUUID(s string) [16]byte {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("bad uuid " + s)
	}
	copy(u[:], b)
	return u
}

// uuid5 is an RFC 9562 name-based (SHA-1) UUID.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// sdoID is a deterministic identifier for a domain object made from a
// cascade record.
func sdoID(typ string, parts ...string) string {
	return typ + "--" + uuid5(cascadeNamespace, typ+"\x00"+strings.Join(parts, "\x00"))
}

// scoID is the identifier STIX defines for a cyber-observable: UUIDv5 in
// the STIX namespace over the canonical JSON (RFC 8785) of its ID
// contributing properties. props holds only string values, which is all
// the observables cascade writes need.
func scoID(typ string, props map[string]string) string {
	return typ + "--" + uuid5(scoNamespace, canonicalJSON(props))
}

// canonicalJSON serializes a flat string map as RFC 8785 does: keys sorted
// by UTF-16 code units, no white space, minimal string escapes.
func canonicalJSON(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJCSString(&b, k)
		b.WriteByte(':')
		writeJCSString(&b, props[k])
	}
	b.WriteByte('}')
	return b.String()
}

func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func writeJCSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
