package linux

import (
	"bytes"
	"fmt"
)

// maxStanzas caps the records read from one control file.
const maxStanzas = 200000

// stanza is one RFC 822-style paragraph of a dpkg database, holding only
// the fields asked for (keys in lower case) and the line it starts on.
type stanza struct {
	line   int
	fields map[string]string
}

// parseStanzas splits a deb822 file into paragraphs and keeps the first
// value of each wanted field (lower-case names). Continuation lines are
// skipped: none of the wanted fields spans lines. Lines that are neither
// fields nor continuations are counted in probs and skipped.
func parseStanzas(data []byte, wanted []string, probs *problems) ([]stanza, error) {
	var out []stanza
	var cur *stanza
	for n := 1; len(data) > 0; n++ {
		var line []byte
		line, data = cutLine(data)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			cur = nil
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				probs.add(fmt.Errorf("line %d: continuation outside a record", n))
			}
		case line[0] == '#':
		default:
			name, value, ok := bytes.Cut(line, []byte(":"))
			if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
				probs.add(fmt.Errorf("line %d: not a field", n))
				continue
			}
			if cur == nil {
				if len(out) == maxStanzas {
					return out, fmt.Errorf("line %d: over %d records", n, maxStanzas)
				}
				out = append(out, stanza{line: n, fields: map[string]string{}})
				cur = &out[len(out)-1]
			}
			if key := wantedField(wanted, name); key != "" {
				if _, seen := cur.fields[key]; !seen {
					cur.fields[key] = clip(string(value))
				}
			}
		}
	}
	return out, nil
}

// cutLine returns the first line of data (without its end) and the rest.
func cutLine(data []byte) (line, rest []byte) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return bytes.TrimSuffix(data, []byte("\r")), nil
	}
	return bytes.TrimSuffix(data[:i], []byte("\r")), data[i+1:]
}

// wantedField returns the wanted (lower-case) name that name matches in
// any case, or "".
func wantedField(wanted []string, name []byte) string {
	for _, w := range wanted {
		if len(w) == len(name) && bytes.EqualFold([]byte(w), name) {
			return w
		}
	}
	return ""
}
