package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// finish resolves references and builds the model.
func (b *builder) finish() (*intel.Intel, error) {
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	r := &resolver{b: b, in: &intel.Intel{}, srcID: map[string]string{}, srcName: map[string]string{},
		incidents: map[string]int{}, actorID: map[string]string{}}
	r.sources()
	r.graph()
	r.actors()
	r.campaigns()
	r.indicators()
	if err := r.advisories(); err != nil {
		return nil, err
	}
	b.summarizeWarnings()
	r.in.Warnings = b.warnings
	if err := r.in.Validate(); err != nil {
		return nil, &intel.LoadError{File: b.file, Err: err}
	}
	return r.in, nil
}

// resolver turns the collected objects into model records.
type resolver struct {
	b         *builder
	in        *intel.Intel
	srcID     map[string]string // identity id → source ID
	srcName   map[string]string // identity id → name
	docSource string            // added on first use
	incidents map[string]int    // STIX id → index in in.Incidents
	actorID   map[string]string // STIX id → actor ID
	out       map[string][]*relRec
	reports   map[string][]string // indicator id → references from reports
}

func (r *resolver) sources() {
	for _, id := range r.b.sdoOrder {
		s := r.b.sdos[id]
		if s.obj.Type != "identity" {
			continue
		}
		src := intel.Source{ID: "stix:" + id, Name: s.obj.Name, Kind: "stix", Location: r.b.file, Description: s.obj.Description}
		if x := s.obj.XSource; x != nil && x.ID != "" {
			src.ID, src.Kind, src.Location = x.ID, x.Kind, x.Location
		}
		if src.Name == "" {
			src.Name = src.ID
		}
		r.srcID[id], r.srcName[id] = src.ID, src.Name
		r.in.Sources = append(r.in.Sources, src)
	}
}

// sourcesOf names the sources of an object: cascade's list, else its
// creator, else the document.
func (r *resolver) sourcesOf(createdBy string, xrefs []string) []string {
	return r.sourcesOfOwn(createdBy, xrefs, false)
}

// sourcesOfOwn is sourcesOf; own objects (exported by cascade, which
// always names their sources) that name none keep none.
func (r *resolver) sourcesOfOwn(createdBy string, xrefs []string, own bool) []string {
	var out []string
	for _, ref := range append(xrefs, createdBy) {
		if id, ok := r.srcID[ref]; ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
		if len(xrefs) > 0 && len(out) == len(xrefs) {
			break
		}
	}
	if len(out) == 0 && strings.HasPrefix(createdBy, "identity--") {
		// A creator the bundle does not describe is still who says so:
		// kept by id, without a name (another document may give it).
		out = []string{r.unknownIdentity(createdBy)}
	}
	if len(out) == 0 && !own {
		out = []string{r.document()}
	}
	return out
}

// unknownIdentity is the source for an identity the bundle refers to
// but does not contain: its id, no name.
func (r *resolver) unknownIdentity(ref string) string {
	id := "stix:" + ref
	if _, ok := r.srcID[ref]; !ok {
		r.srcID[ref] = id
		r.in.Sources = append(r.in.Sources, intel.Source{ID: id, Kind: "stix", Location: r.b.file,
			Description: "identity not described in the bundle"})
	}
	return id
}

func (r *resolver) document() string {
	if r.docSource == "" {
		id := r.b.bundleID
		if id == "" {
			id = r.b.base
		}
		r.docSource = "stix:" + id
		r.in.Sources = append(r.in.Sources, intel.Source{ID: r.docSource, Name: r.b.base, Kind: "stix", Location: r.b.file})
	}
	return r.docSource
}

// aliasSource is who uses a name: the creating identity, else the file.
func (r *resolver) aliasSource(createdBy string) string {
	if n, ok := r.srcName[createdBy]; ok {
		return n
	}
	return r.b.base
}

// graph indexes live relationships by source, and report references.
func (r *resolver) graph() {
	r.out = map[string][]*relRec{}
	for _, rel := range r.b.rels {
		if rel.revoked {
			continue
		}
		if rel.src == rel.dst {
			r.b.warn(0, "relationship %s from %s to itself ignored", rel.typ, rel.src)
			continue
		}
		r.out[rel.src] = append(r.out[rel.src], rel)
	}
	r.checkCycles()
	r.reports = map[string][]string{}
	for _, id := range r.b.sdoOrder {
		s := r.b.sdos[id].obj
		if s.Type != "report" {
			continue
		}
		refs := refsOf(s.ExternalRefs)
		if len(refs) == 0 && s.Name != "" {
			refs = []string{"STIX report: " + s.Name}
		}
		for _, o := range s.ObjectRefs {
			if idType(o) == "indicator" {
				r.reports[o] = append(r.reports[o], refs...)
			}
		}
	}
}

// targets returns the ids an object points to with a relationship type.
func (r *resolver) targets(src string, types ...string) []string {
	var out []string
	for _, rel := range r.out[src] {
		if slices.Contains(types, rel.typ) && !slices.Contains(out, rel.dst) {
			out = append(out, rel.dst)
		}
	}
	return out
}

// sources returns the ids pointing at dst with a relationship type.
func (r *resolver) sourcesTo(dst string, typ string) []string {
	var out []string
	for _, rel := range r.b.rels {
		if rel.dst == dst && rel.typ == typ && !rel.revoked {
			out = append(out, rel.src)
		}
	}
	return out
}

func (r *resolver) advisories() error {
	for _, id := range r.b.sdoOrder {
		s := r.b.sdos[id]
		if s.obj.Type != advisoryType {
			continue
		}
		var a intel.Advisory
		if err := json.Unmarshal(s.obj.Advisory, &a); err != nil {
			line, col := r.b.pos(s.start)
			return &intel.LoadError{File: r.b.file, Line: line, Column: col, Err: fmt.Errorf("%s: advisory: %w", id, err)}
		}
		if len(a.Sources) == 0 {
			a.Sources = r.sourcesOf(s.obj.CreatedByRef, s.obj.XSourceRefs)
		}
		r.in.Advisories = append(r.in.Advisories, a)
	}
	return nil
}

// summarizeWarnings adds the counts behind capped warnings.
func (b *builder) summarizeWarnings() {
	for _, t := range sortedIDs(b.unknown) {
		if n := b.unknown[t]; n > maxUnknownWarnings {
			b.warnings = append(b.warnings, fmt.Sprintf("%s: %d objects of type %q not loaded", b.file, n, t))
		}
	}
}
