package intel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Document is cascade's own intel file format (JSON, schema
// "cascade.intel/v1"). Records without sources are attributed to Source.
type Document struct {
	Schema     string      `json:"schema"`
	Source     Source      `json:"source"`
	Sources    []Source    `json:"sources,omitempty"`
	Incidents  []Incident  `json:"incidents,omitempty"`
	Actors     []Actor     `json:"actors,omitempty"`
	Advisories []Advisory  `json:"advisories,omitempty"`
	Indicators []Indicator `json:"indicators,omitempty"`
}

// DecodeNative parses a cascade intel document. name is used in errors.
// Unknown fields are errors: a typo must not silently drop an indicator.
func DecodeNative(name string, data []byte) (*Intel, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(name, data, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &LoadError{File: name, Err: errors.New("trailing data after the intel document")}
	}
	if doc.Schema != Schema {
		return nil, &LoadError{File: name, Err: fmt.Errorf("schema is %q, want %q", doc.Schema, Schema)}
	}
	if doc.Source.ID == "" {
		return nil, &LoadError{File: name, Err: errors.New("source.id is required")}
	}
	in := doc.Intel()
	if err := in.Validate(); err != nil {
		return nil, &LoadError{File: name, Err: err}
	}
	return in, nil
}

// Intel converts the document to the model, filling in default sources.
func (doc *Document) Intel() *Intel {
	in := &Intel{
		Sources:    append([]Source{doc.Source}, doc.Sources...),
		Incidents:  doc.Incidents,
		Actors:     doc.Actors,
		Advisories: doc.Advisories,
		Indicators: doc.Indicators,
	}
	def := []string{doc.Source.ID}
	for i := range in.Indicators {
		if len(in.Indicators[i].Sources) == 0 {
			in.Indicators[i].Sources = def
		}
	}
	for i := range in.Advisories {
		if len(in.Advisories[i].Sources) == 0 {
			in.Advisories[i].Sources = def
		}
	}
	for i := range in.Incidents {
		if len(in.Incidents[i].Sources) == 0 {
			in.Incidents[i].Sources = def
		}
	}
	for i := range in.Actors {
		for j := range in.Actors[i].Aliases {
			if in.Actors[i].Aliases[j].Source == "" {
				in.Actors[i].Aliases[j].Source = doc.Source.ID
			}
		}
		if len(in.Actors[i].Sources) == 0 {
			in.Actors[i].Sources = def
		}
	}
	return in
}

// EncodeNative writes in as a cascade intel document attributed to src.
func EncodeNative(w io.Writer, src Source, in *Intel) error {
	doc := Document{Schema: Schema, Source: src, Incidents: in.Incidents, Actors: in.Actors,
		Advisories: in.Advisories, Indicators: in.Indicators}
	for _, s := range in.Sources {
		if s.ID != src.ID {
			doc.Sources = append(doc.Sources, s)
		}
	}
	for _, h := range in.HashLists {
		for i := range h.Len() {
			doc.Indicators = append(doc.Indicators, h.Indicator(i))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&doc)
}

// jsonError turns a decoding error into a LoadError with line and column.
func jsonError(name string, data []byte, off int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line, col := LineCol(data, off)
	return &LoadError{File: name, Line: line, Column: col, Err: err}
}

// LineCol converts a byte offset into a 1-based line and column.
func LineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// FileLineCol is LineCol for a file on disk: it reads the file again up to
// off, so a streaming reader never has to remember line breaks. It returns
// 0, 0 when the file cannot be read.
func FileLineCol(name string, off int64) (line, col int) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, max(off, 0)))
	line, col = 1, 1
	for {
		c, err := br.ReadByte()
		if err != nil {
			return line, col
		}
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
}
