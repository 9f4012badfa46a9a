package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sniffLimit bounds how far into a JSON document the sniffer reads for the
// keys that tell its format (a warninglist's "name" may follow a list of a
// million entries); past it, the keys seen so far decide.
const sniffLimit = 256 << 20

// mispEventKeys are keys only a MISP event object carries at its top
// level: an event exported without its {"Event": …} wrapper.
var mispEventKeys = map[string]bool{
	"Attribute": true, "Object": true, "Orgc": true, "Org": true, "EventTag": true,
	"ShadowAttribute": true, "RelatedEvent": true, "Galaxy": true, "EventReport": true,
	"threat_level_id": true, "attribute_count": true, "publish_timestamp": true,
}

// jsonSyntaxError is a JSON document that breaks off or goes wrong at a
// byte offset. Early is set when the text was never JSON to begin with (its
// first value did not even start), so a text format may still claim it.
type jsonSyntaxError struct {
	Offset    int64
	Early     bool
	Imprecise bool // Offset is only the start of the value the error is in
	Err       error
}

func (e *jsonSyntaxError) Error() string { return e.Err.Error() }

// sniffJSON names the format of the JSON document r holds from its
// structure: the top-level object's keys, in whatever order they come. It
// returns FormatUnknown for JSON no loader reads, and a *jsonSyntaxError
// for text that is not JSON or is cut short.
//
// With fast set, values are skipped by Decode (one pass of the JSON
// scanner, holding the value in memory; a STIX "objects" array, which may
// be hundreds of megabytes, is always skipped token by token). Decode
// places a syntax error only at the start of the value it is in, so a
// caller that gets one sniffs again without fast to place it exactly.
func sniffJSON(r io.Reader, fast bool) (string, error) {
	sn := &sniffer{cr: &countReader{r: r}, fast: fast}
	sn.dec = json.NewDecoder(sn.cr)
	sn.dec.UseNumber() // a number out of float64's range is still JSON
	tok, err := sn.dec.Token()
	if err != nil {
		return "", sn.syntaxError(err, true)
	}
	switch tok {
	case json.Delim('{'):
		f, err := sn.object()
		if err != nil {
			return "", sn.syntaxError(err, false)
		}
		return f.format(true), nil
	case json.Delim('['):
		return sn.array()
	}
	return FormatUnknown, nil
}

type sniffer struct {
	dec  *json.Decoder
	cr   *countReader
	fast bool
}

// array names a list by its first element: MISP events or STIX objects.
func (sn *sniffer) array() (string, error) {
	tok, err := sn.dec.Token()
	if err != nil {
		return "", sn.syntaxError(err, true)
	}
	if tok != json.Delim('{') {
		return FormatUnknown, nil
	}
	f, err := sn.object()
	if err != nil {
		return "", sn.syntaxError(err, false)
	}
	switch g := f.format(false); g {
	case FormatMISP, FormatSTIX:
		return g, nil
	}
	return FormatUnknown, nil
}

// syntaxError places a decoding error: at its offset, or at the end of
// the input when the document is cut short.
func (sn *sniffer) syntaxError(err error, first bool) error {
	off := sn.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && sn.fast:
		return &jsonSyntaxError{Offset: off, Early: first, Imprecise: true, Err: err}
	case errors.As(err, &se):
		off = se.Offset
	case errors.Is(err, io.EOF) && first && off == 0:
		return &jsonSyntaxError{Offset: 0, Early: true, Err: errors.New("empty file")}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = sn.cr.n
		err = errors.New("unexpected end of JSON: the document is cut short")
	}
	// A document whose first value did not start is not JSON at all.
	return &jsonSyntaxError{Offset: off, Early: first, Err: fmt.Errorf("JSON syntax error at byte %d: %w", off, err)}
}

// objectFacts are the keys of one object and the few scalar values the
// formats are told apart by.
type objectFacts struct {
	keys            map[string]bool
	typ, id, schema string
}

// format decides from the facts; top says the object is the document
// itself (a warninglist or a cascade document is never in a list).
func (f *objectFacts) format(top bool) string {
	k := f.keys
	switch {
	case top && strings.HasPrefix(f.schema, "cascade.intel/"):
		return FormatNative
	case f.typ == "bundle" || strings.HasPrefix(f.id, "bundle--"):
		return FormatSTIX
	case k["Event"] || (top && k["response"]):
		return FormatMISP
	case top && k["list"] && (k["name"] || k["matching_attributes"]):
		return FormatWarninglist
	}
	for key := range k {
		if mispEventKeys[key] {
			return FormatMISP
		}
	}
	switch {
	case k["info"] && k["uuid"] && (k["date"] || k["analysis"]):
		return FormatMISP
	case f.typ != "" && strings.Contains(f.id, "--") && (k["spec_version"] || k["created"] || k["pattern"]):
		return FormatSTIX
	}
	return FormatUnknown
}

// decided reports whether the keys seen already settle the format, so the
// rest of the object need not be read.
func (f *objectFacts) decided() bool {
	k := f.keys
	return strings.HasPrefix(f.schema, "cascade.intel/") || f.typ == "bundle" || strings.HasPrefix(f.id, "bundle--") ||
		k["Event"] || k["response"] || k["Attribute"] || k["Object"] || (k["list"] && k["name"])
}

// object reads an object's keys after its opening brace, keeping the
// scalar values it needs and skipping the others, until the format is
// settled, the object ends or sniffLimit is passed.
func (sn *sniffer) object() (*objectFacts, error) {
	dec := sn.dec
	f := &objectFacts{keys: map[string]bool{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		f.keys[key] = true
		if sn.fast && !tokenKeys[key] {
			err = dec.Decode(&discard{})
		} else {
			err = sn.value(f, key)
		}
		if err != nil {
			return nil, err
		}
		if f.decided() || dec.InputOffset() > sniffLimit {
			return f, nil
		}
	}
	_, err := dec.Token() // the closing brace: a cut-off object is an error
	return f, err
}

// value reads one value token by token, keeping the string value of the
// keys that tell formats apart.
func (sn *sniffer) value(f *objectFacts, key string) error {
	tok, err := sn.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		return skip(sn.dec)
	case string:
		switch key {
		case "type":
			f.typ = v
		case "id":
			f.id = v
		case "schema":
			f.schema = v
		}
	}
	return nil
}

// tokenKeys are read token by token even when sniffing fast: the values
// that tell formats apart, and a STIX bundle's objects, which Decode
// would hold in memory whole.
var tokenKeys = map[string]bool{"type": true, "id": true, "schema": true, "objects": true}

// discard is a value Decode checks and throws away.
type discard struct{}

func (discard) UnmarshalJSON([]byte) error { return nil }

// skip reads past the rest of an array or object whose opening delimiter
// was just read.
func skip(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
