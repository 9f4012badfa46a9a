package server

import (
	"encoding/json"
	"net/http"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// stixIn is one object of an add: its bytes and what checking it found.
type stixIn struct {
	raw json.RawMessage
	obj taxii.Object
	err error
}

// parseObjects checks objects one by one with taxii.ParseObject.
func parseObjects(raws []json.RawMessage) []stixIn {
	out := make([]stixIn, len(raws))
	for i, raw := range raws {
		o, err := taxii.ParseObject(raw)
		out[i] = stixIn{raw: raw, obj: o, err: err}
	}
	return out
}

// envelopeObjects reads the objects of a POSTed envelope (§3.7) and checks
// each. A plain envelope is read in one pass (scanEnvelope): every byte
// checked as JSON once, the fields a server needs read on the way, the
// objects left where they are in body. Anything that pass does not handle
// as encoding/json would (escaped or non-ASCII keys or fields, keys
// matching only case-insensitively, a repeated objects member, bad JSON)
// is read again by encoding/json and taxii.ParseObject, the reference, so
// the result and the errors are the same either way.
func envelopeObjects(body []byte) ([]stixIn, error) {
	if objs, ok := scanEnvelope(body); ok {
		return objs, nil
	}
	var env taxii.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, errorf(http.StatusBadRequest, "bad_request", "the body is not a TAXII envelope: %v", err)
	}
	return parseObjects(env.Objects), nil
}

// maxScanDepth is how deeply the one-pass reader follows nested values;
// deeper envelopes go to encoding/json (which refuses past 10,000).
const maxScanDepth = 1000

// scanEnvelope is envelopeObjects' one pass; ok is false when body must be
// read by encoding/json instead.
func scanEnvelope(body []byte) (objs []stixIn, ok bool) {
	sc := scanner{b: body}
	sc.space()
	if !sc.byte('{') {
		return nil, false
	}
	seen := false
	sc.space()
	if sc.byte('}') {
		return nil, sc.end()
	}
	for {
		sc.space()
		key, plain := sc.key()
		if !plain {
			return nil, false
		}
		sc.space()
		if !sc.byte(':') {
			return nil, false
		}
		sc.space()
		switch {
		case key == "objects":
			if seen {
				return nil, false
			}
			seen = true
			if objs, ok = sc.objects(); !ok {
				return nil, false
			}
		case key == "more":
			if !sc.literal("true") && !sc.literal("false") && !sc.literal("null") {
				return nil, false
			}
		case key == "next":
			if !sc.literal("null") && !sc.str() {
				return nil, false
			}
		case foldsTo(key, "objects") || foldsTo(key, "more") || foldsTo(key, "next"):
			return nil, false
		default:
			if !sc.value(0) {
				return nil, false
			}
		}
		sc.space()
		if sc.byte('}') {
			return objs, sc.end()
		}
		if !sc.byte(',') {
			return nil, false
		}
	}
}

// objects reads the envelope's objects array (or null).
func (sc *scanner) objects() ([]stixIn, bool) {
	if sc.literal("null") {
		return nil, true
	}
	if !sc.byte('[') {
		return nil, false
	}
	out := []stixIn{}
	sc.space()
	if sc.byte(']') {
		return out, true
	}
	for {
		sc.space()
		start := sc.i
		f, plain, ok := sc.object()
		if !ok {
			return nil, false
		}
		in := stixIn{raw: sc.b[start:sc.i:sc.i]}
		if plain {
			in.obj, in.err = taxii.CheckFields(len(in.raw), f)
		} else {
			in.obj, in.err = taxii.ParseObject(in.raw)
		}
		out = append(out, in)
		sc.space()
		if sc.byte(']') {
			return out, true
		}
		if !sc.byte(',') {
			return nil, false
		}
	}
}

// object reads one element of objects: ok is false on bad JSON; plain is
// false when it is not an object whose checked fields are plain ASCII
// strings or null under their exact names (taxii.ParseObject then reads
// it).
func (sc *scanner) object() (f taxii.Fields, plain, ok bool) {
	if sc.i >= len(sc.b) || sc.b[sc.i] != '{' {
		return f, false, sc.value(1)
	}
	sc.i++
	plain = true
	sc.space()
	if sc.byte('}') {
		return f, true, true
	}
	for {
		sc.space()
		key, plainKey := sc.key()
		if sc.err {
			return f, false, false
		}
		sc.space()
		if !sc.byte(':') {
			return f, false, false
		}
		sc.space()
		var dst **string
		switch key {
		case "id":
			dst = &f.ID
		case "type":
			dst = &f.Type
		case "spec_version":
			dst = &f.SpecVersion
		case "created":
			dst = &f.Created
		case "modified":
			dst = &f.Modified
		default:
			if !plainKey || foldsTo(key, "id") || foldsTo(key, "type") || foldsTo(key, "spec_version") ||
				foldsTo(key, "created") || foldsTo(key, "modified") {
				plain = false
			}
		}
		switch {
		case dst == nil || !plain:
			if !sc.value(2) {
				return f, false, false
			}
		case sc.literal("null"):
			*dst = nil
		default:
			s, plainStr := sc.plainString()
			if sc.err {
				return f, false, false
			}
			if plainStr {
				*dst = &s
			} else {
				plain = false
				if !sc.value(2) {
					return f, false, false
				}
			}
		}
		sc.space()
		if sc.byte('}') {
			return f, plain, true
		}
		if !sc.byte(',') {
			return f, false, false
		}
	}
}

// foldsTo reports a key encoding/json would match to name without being
// name: the same letters in another case.
func foldsTo(key, name string) bool {
	if len(key) != len(name) || key == name {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// scanner checks JSON (RFC 8259) as encoding/json does, in one pass.
type scanner struct {
	b   []byte
	i   int
	err bool // bad JSON met
}

func (sc *scanner) space() {
	for sc.i < len(sc.b) {
		switch sc.b[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *scanner) byte(c byte) bool {
	if sc.i < len(sc.b) && sc.b[sc.i] == c {
		sc.i++
		return true
	}
	return false
}

// end reports whether nothing but white space follows.
func (sc *scanner) end() bool {
	sc.space()
	return sc.i == len(sc.b)
}

func (sc *scanner) literal(s string) bool {
	if len(sc.b)-sc.i >= len(s) && string(sc.b[sc.i:sc.i+len(s)]) == s {
		sc.i += len(s)
		return true
	}
	return false
}

// key reads an object key: plain is true when it is printable ASCII
// without escapes (then key is it); sc.err is set on bad JSON.
func (sc *scanner) key() (key string, plain bool) {
	if sc.i >= len(sc.b) || sc.b[sc.i] != '"' {
		sc.err = true
		return "", false
	}
	key, plain, cut := sc.plainRun()
	if !plain && (cut || !sc.str()) {
		sc.err = true
	}
	return key, plain
}

// plainRun reads the string whose opening quote is at sc.i when it is
// printable ASCII without escapes (plain, sc.i past it); otherwise sc.i
// stays, and cut says the input ended before a closing quote.
func (sc *scanner) plainRun() (s string, plain, cut bool) {
	start := sc.i + 1
	for j := start; j < len(sc.b); j++ {
		switch c := sc.b[j]; {
		case c == '"':
			sc.i = j + 1
			return string(sc.b[start:j]), true, false
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false, false
		}
	}
	return "", false, true
}

// plainString reads a string that is printable ASCII without escapes;
// anything else is left where it is (plain false), and sc.err set if it
// is not a string at all.
func (sc *scanner) plainString() (string, bool) {
	if sc.i >= len(sc.b) {
		sc.err = true
		return "", false
	}
	switch sc.b[sc.i] {
	case '"':
	case '{', '[', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "", false // another kind of value: encoding/json refuses it
	default:
		sc.err = true
		return "", false
	}
	str, plain, cut := sc.plainRun()
	if cut {
		sc.err = true
	}
	return str, plain
}

// str skips a string.
func (sc *scanner) str() bool {
	if !sc.byte('"') {
		return false
	}
	for sc.i < len(sc.b) {
		c := sc.b[sc.i]
		sc.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if sc.i >= len(sc.b) {
				return false
			}
			e := sc.b[sc.i]
			sc.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(sc.b)-sc.i < 4 {
					return false
				}
				for _, h := range sc.b[sc.i : sc.i+4] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				sc.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func (sc *scanner) digits() int {
	n := 0
	for sc.i < len(sc.b) && '0' <= sc.b[sc.i] && sc.b[sc.i] <= '9' {
		sc.i++
		n++
	}
	return n
}

// number skips a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (sc *scanner) number() bool {
	sc.byte('-')
	if sc.byte('0') {
		// no more digits may follow a leading zero
	} else if sc.digits() == 0 {
		return false
	}
	if sc.byte('.') && sc.digits() == 0 {
		return false
	}
	if sc.byte('e') || sc.byte('E') {
		if !sc.byte('+') {
			sc.byte('-')
		}
		if sc.digits() == 0 {
			return false
		}
	}
	return true
}

// value skips any value at nesting depth d.
func (sc *scanner) value(d int) bool {
	if sc.i >= len(sc.b) || d > maxScanDepth {
		return false
	}
	switch sc.b[sc.i] {
	case '"':
		return sc.str()
	case 't':
		return sc.literal("true")
	case 'f':
		return sc.literal("false")
	case 'n':
		return sc.literal("null")
	case '[':
		sc.i++
		sc.space()
		if sc.byte(']') {
			return true
		}
		for {
			sc.space()
			if !sc.value(d + 1) {
				return false
			}
			sc.space()
			if sc.byte(']') {
				return true
			}
			if !sc.byte(',') {
				return false
			}
		}
	case '{':
		sc.i++
		sc.space()
		if sc.byte('}') {
			return true
		}
		for {
			sc.space()
			if !sc.str() {
				return false
			}
			sc.space()
			if !sc.byte(':') {
				return false
			}
			sc.space()
			if !sc.value(d + 1) {
				return false
			}
			sc.space()
			if sc.byte('}') {
				return true
			}
			if !sc.byte(',') {
				return false
			}
		}
	}
	return sc.number()
}
