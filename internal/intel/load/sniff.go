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
	Offset int64
	Early  bool
	Err    error
}

func (e *jsonSyntaxError) Error() string { return e.Err.Error() }

// sniffJSON names the format of the JSON document r holds from its
// structure, reading tokens (never the whole document into memory): the
// top-level object's keys, in whatever order they come. It returns
// FormatUnknown for JSON no loader reads, and a *jsonSyntaxError for text
// that is not JSON or is cut short.
func sniffJSON(r io.Reader) (string, error) {
	cr := &countReader{r: r}
	dec := json.NewDecoder(cr)
	syntaxErr := func(err error, first bool) error { return syntaxError(dec, cr.n, err, first) }
	tok, err := dec.Token()
	if err != nil {
		return "", syntaxErr(err, true)
	}
	switch tok {
	case json.Delim('{'):
		f, err := sniffObject(dec)
		if err != nil {
			return "", syntaxErr(err, false)
		}
		return f.format(true), nil
	case json.Delim('['):
		return sniffArray(dec, syntaxErr)
	}
	return FormatUnknown, nil
}

// sniffArray names a list by its first element: MISP events or STIX
// objects.
func sniffArray(dec *json.Decoder, syntaxErr func(error, bool) error) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", syntaxErr(err, true)
	}
	if tok != json.Delim('{') {
		return FormatUnknown, nil
	}
	f, err := sniffObject(dec)
	if err != nil {
		return "", syntaxErr(err, false)
	}
	switch g := f.format(false); g {
	case FormatMISP, FormatSTIX:
		return g, nil
	}
	return FormatUnknown, nil
}

// syntaxError places a decoding error: at its offset, or at the end of
// the input (read bytes in all) when the document is cut short.
func syntaxError(dec *json.Decoder, read int64, err error, first bool) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.Is(err, io.EOF) && first && off == 0:
		return &jsonSyntaxError{Offset: 0, Early: true, Err: errors.New("empty file")}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = read
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

// sniffObject reads an object's keys after its opening brace, keeping
// the scalar values it needs and skipping the others, until the format is
// settled, the object ends or sniffLimit is passed.
func sniffObject(dec *json.Decoder) (*objectFacts, error) {
	f := &objectFacts{keys: map[string]bool{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		f.keys[key] = true
		tok, err = dec.Token()
		if err != nil {
			return nil, err
		}
		switch v := tok.(type) {
		case json.Delim:
			if err := skip(dec); err != nil {
				return nil, err
			}
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
		if f.decided() || dec.InputOffset() > sniffLimit {
			return f, nil
		}
	}
	_, err := dec.Token() // the closing brace: a cut-off object is an error
	return f, err
}

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
