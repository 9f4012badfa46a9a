package packgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// pack is one incident's document under construction: the curated records
// plus the indicators generated from the table.
type pack struct {
	name      string
	file      string
	doc       intel.Document
	generated []intel.Indicator
	byKey     map[string]int // Indicator.Key → index in generated
}

// decodeCurated parses a curated file strictly (unknown fields are errors)
// and checks it is the header of the pack it is named after.
func decodeCurated(name, incident string, data []byte) (*pack, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	p := &pack{name: incident, file: name, byKey: map[string]int{}}
	if err := dec.Decode(&p.doc); err != nil {
		return nil, &intel.LoadError{File: name, Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &intel.LoadError{File: name, Err: errors.New("trailing data after the document")}
	}
	var errs []error
	if p.doc.Schema != intel.Schema {
		errs = append(errs, fmt.Errorf("schema is %q, want %q", p.doc.Schema, intel.Schema))
	}
	if want := "pack:" + incident; p.doc.Source.ID != want || p.doc.Source.Kind != "pack" {
		errs = append(errs, fmt.Errorf("source must have id %q and kind \"pack\"", want))
	}
	if len(p.doc.Incidents) != 1 || p.doc.Incidents[0].ID != incident {
		errs = append(errs, fmt.Errorf("needs exactly one incident record, with id %q", incident))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &intel.LoadError{File: name, Err: err}
	}
	return p, nil
}

// add merges generated indicators: the same content from several rows is
// kept once, with references unioned and the highest score.
func (p *pack) add(inds ...intel.Indicator) {
	for _, ind := range inds {
		i, ok := p.byKey[ind.Key()]
		if !ok {
			p.byKey[ind.Key()] = len(p.generated)
			p.generated = append(p.generated, ind)
			continue
		}
		g := &p.generated[i]
		g.References = union(g.References, ind.References)
		g.Score = max(g.Score, ind.Score)
		if g.SameFile == nil {
			g.SameFile = ind.SameFile
		}
		g.FileTypes = intel.MergeFileTypes(g.FileTypes, ind.FileTypes)
	}
}

// cite adds references to a record named "incident", "incident:ID",
// "advisory:ID", "actor:ID" (the references go to the pack's incident,
// since actors carry none) or "indicator:ID".
func (p *pack) cite(target string, refs []string) error {
	kind, id, _ := strings.Cut(target, ":")
	if kind == "incident" && id == "" {
		id = p.name
	}
	switch kind {
	case "incident":
		if x := find(p.doc.Incidents, func(x intel.Incident) bool { return x.ID == id }); x != nil {
			x.References = union(x.References, refs)
			return nil
		}
	case "advisory":
		if x := find(p.doc.Advisories, func(x intel.Advisory) bool { return x.ID == id }); x != nil {
			x.References = union(x.References, refs)
			return nil
		}
	case "actor":
		if find(p.doc.Actors, func(x intel.Actor) bool { return x.ID == id }) != nil {
			return p.cite("incident", refs)
		}
	case "indicator":
		match := func(x intel.Indicator) bool { return x.ID == id }
		if x := find(p.doc.Indicators, match); x != nil {
			x.References = union(x.References, refs)
			return nil
		}
		if x := find(p.generated, match); x != nil {
			x.References = union(x.References, refs)
			return nil
		}
	default:
		return fmt.Errorf("target %q: want incident, incident:ID, advisory:ID, actor:ID or indicator:ID", target)
	}
	return fmt.Errorf("target %q: no such record in %s", target, p.file)
}

// unreferenced lists records that would ship without any citation.
func (p *pack) unreferenced() []string {
	var out []string
	for _, x := range p.doc.Incidents {
		if len(x.References) == 0 {
			out = append(out, "incident "+x.ID)
		}
	}
	for _, a := range p.doc.Advisories {
		if len(a.References) == 0 {
			out = append(out, "advisory "+a.ID)
		}
	}
	for _, ind := range slices.Concat(p.doc.Indicators, p.generated) {
		if len(ind.References) == 0 {
			out = append(out, "indicator "+ind.ID)
		}
	}
	return out
}

// fillSources attributes indicators and advisories that name no source to
// the pack, so the file says explicitly where each record comes from.
func (p *pack) fillSources() {
	def := []string{p.doc.Source.ID}
	for _, inds := range [][]intel.Indicator{p.doc.Indicators, p.generated} {
		for i := range inds {
			if len(inds[i].Sources) == 0 {
				inds[i].Sources = def
			}
		}
	}
	for i := range p.doc.Advisories {
		if len(p.doc.Advisories[i].Sources) == 0 {
			p.doc.Advisories[i].Sources = def
		}
	}
}

// encode writes the pack: curated records first, then the generated
// indicators in table order. HTML escaping is off so paths such as
// <site-packages> stay readable.
func (p *pack) encode() ([]byte, error) {
	doc := p.doc
	doc.Indicators = slices.Concat(p.doc.Indicators, p.generated)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func find[T any](xs []T, match func(T) bool) *T {
	for i := range xs {
		if match(xs[i]) {
			return &xs[i]
		}
	}
	return nil
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
