package stixpattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// vkind is the type of a JSON value in an observation.
type vkind uint8

const (
	vNull vkind = iota
	vBool
	vNumber
	vString
	vList
	vObject
	vBytes   // a decoded *_hex or *_bin property
	vBad     // a *_hex or *_bin property that does not decode; str says why
	vMissing // a *_refs element that does not resolve
)

// value is a JSON value. Object members keep their order.
type value struct {
	kind  vkind
	b     bool
	num   number
	str   string
	bytes []byte
	list  []*value
	obj   *object
}

type object struct {
	keys  []string
	vals  []*value
	index map[string]int // built for objects with many members
}

func (o *object) get(key string) (*value, bool) {
	if o.index != nil {
		i, ok := o.index[key]
		if !ok {
			return nil, false
		}
		return o.vals[i], true
	}
	for i, k := range o.keys {
		if k == key {
			return o.vals[i], true
		}
	}
	return nil, false
}

// str returns the string member key, or "".
func (o *object) str(key string) string {
	if v, ok := o.get(key); ok && v.kind == vString {
		return v.str
	}
	return ""
}

// set adds or replaces a member; a duplicate key keeps the last value, as
// encoding/json does. Members named *_hex or *_bin are decoded to bytes
// (section 9.6.4: "native format").
func (o *object) set(key string, v *value) {
	v = decodeSuffixed(key, v)
	if _, ok := o.get(key); ok {
		if o.index != nil {
			o.vals[o.index[key]] = v
			return
		}
		for i, k := range o.keys {
			if k == key {
				o.vals[i] = v
				return
			}
		}
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	if o.index == nil && len(o.keys) > 8 {
		o.index = make(map[string]int, len(o.keys)*2)
		for i, k := range o.keys {
			o.index[k] = i
		}
	} else if o.index != nil {
		o.index[key] = len(o.keys) - 1
	}
}

func decodeSuffixed(key string, v *value) *value {
	isHex, isBin := strings.HasSuffix(key, "_hex"), strings.HasSuffix(key, "_bin")
	if (!isHex && !isBin) || v.kind == vNull {
		return v
	}
	if v.kind != vString {
		return &value{kind: vBad, str: fmt.Sprintf("property %s is not a string", key)}
	}
	var b []byte
	var err error
	if isHex {
		b, err = hex.DecodeString(v.str)
	} else {
		b, err = base64.StdEncoding.DecodeString(v.str)
	}
	if err != nil {
		return &value{kind: vBad, str: fmt.Sprintf("property %s is not valid %s", key, map[bool]string{true: "hex", false: "base64"}[isHex])}
	}
	return &value{kind: vBytes, bytes: b}
}

// JSON decoding limits.
const (
	maxJSONDepth  = 256
	maxJSONValues = 4 << 20
)

// decodeJSON parses one JSON document into values, keeping member order.
func decodeJSON(data []byte) (*value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	d := &jsonBuilder{dec: dec}
	v, err := d.build(0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("offset %d: unexpected data after the JSON document", dec.InputOffset())
	}
	return v, nil
}

type jsonBuilder struct {
	dec   *json.Decoder
	count int
}

func (d *jsonBuilder) build(depth int) (*value, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("offset %d: JSON nested deeper than %d levels", d.dec.InputOffset(), maxJSONDepth)
	}
	if d.count++; d.count > maxJSONValues {
		return nil, fmt.Errorf("offset %d: more than %d JSON values", d.dec.InputOffset(), maxJSONValues)
	}
	tok, err := d.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("offset %d: %w", d.dec.InputOffset(), err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return d.object(depth)
		}
		return d.list(depth)
	case string:
		return &value{kind: vString, str: t}, nil
	case bool:
		return &value{kind: vBool, b: t}, nil
	case json.Number:
		return jsonNumber(string(t))
	}
	return &value{kind: vNull}, nil
}

func (d *jsonBuilder) object(depth int) (*value, error) {
	o := &object{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, fmt.Errorf("offset %d: %w", d.dec.InputOffset(), err)
		}
		v, err := d.build(depth + 1)
		if err != nil {
			return nil, err
		}
		o.set(tok.(string), v)
	}
	_, err := d.dec.Token() // '}'
	return &value{kind: vObject, obj: o}, err
}

func (d *jsonBuilder) list(depth int) (*value, error) {
	l := &value{kind: vList}
	for d.dec.More() {
		v, err := d.build(depth + 1)
		if err != nil {
			return nil, err
		}
		l.list = append(l.list, v)
	}
	_, err := d.dec.Token() // ']'
	return l, err
}

// jsonNumber keeps integers exact (as Python's json module does) and reads
// anything with a fraction or exponent as a float.
func jsonNumber(s string) (*value, error) {
	if !strings.ContainsAny(s, ".eE") {
		n, ok := intNumber(s)
		if !ok {
			return nil, fmt.Errorf("invalid number %q", s)
		}
		return &value{kind: vNumber, num: n}, nil
	}
	n, err := floatNumber(s)
	if err != nil {
		return nil, fmt.Errorf("invalid number %q", s)
	}
	return &value{kind: vNumber, num: n}, nil
}
