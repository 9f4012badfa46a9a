package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decode walks the document's tokens: a bare array of objects, a bundle
// whose "objects" array is read element by element, or a single object.
func decode(r io.Reader, b *builder) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return b.syntaxErr(dec, err)
	}
	switch tok {
	case json.Delim('['):
		if err := decodeArray(dec, b); err != nil {
			return err
		}
	case json.Delim('{'):
		if err := decodeTop(dec, b); err != nil {
			return err
		}
	default:
		return b.errAt(0, errors.New("not STIX: want a bundle object or an array of objects"))
	}
	if _, err := dec.Token(); err != io.EOF {
		return b.errAt(dec.InputOffset(), errors.New("trailing data after the STIX document"))
	}
	return nil
}

// decodeArray reads objects until the closing bracket.
func decodeArray(dec *json.Decoder, b *builder) error {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return b.syntaxErr(dec, err)
		}
		start := dec.InputOffset() - int64(len(raw))
		if err := b.add(raw, start); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return b.syntaxErr(dec, err)
	}
	return nil
}

// decodeTop reads a top-level object member by member. The objects array
// is streamed; other members are small and kept until the end, when they
// tell a bundle from a single STIX object.
func decodeTop(dec *json.Decoder, b *builder) error {
	start := dec.InputOffset() - 1
	members := map[string]json.RawMessage{}
	sawObjects := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return b.syntaxErr(dec, err)
		}
		key, _ := tok.(string)
		if key == "objects" {
			if err := expectArray(dec, b); err != nil {
				return err
			}
			if err := decodeArray(dec, b); err != nil {
				return err
			}
			sawObjects = true
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return b.syntaxErr(dec, err)
		}
		members[key] = raw
	}
	if _, err := dec.Token(); err != nil { // '}'
		return b.syntaxErr(dec, err)
	}
	var typ, id string
	json.Unmarshal(members["type"], &typ)
	json.Unmarshal(members["id"], &id)
	if typ == "bundle" || sawObjects {
		if typ != "bundle" {
			b.warn(start, "top-level object has an objects array but type %q, not bundle", typ)
		}
		b.bundleID = id
		return nil
	}
	if typ == "" {
		return b.errAt(start, errors.New("not STIX: the top-level object has no type"))
	}
	whole, _ := json.Marshal(members)
	return b.add(whole, start)
}

func expectArray(dec *json.Decoder, b *builder) error {
	tok, err := dec.Token()
	if err != nil {
		return b.syntaxErr(dec, err)
	}
	if tok != json.Delim('[') {
		return b.errAt(dec.InputOffset(), fmt.Errorf("objects must be an array, not %v", tok))
	}
	return nil
}

// validUTF8 reports whether raw holds only valid UTF-8; encoding/json
// would otherwise replace bad bytes silently.
func validUTF8(raw []byte) bool { return utf8.Valid(raw) }
