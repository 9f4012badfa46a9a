package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// builder collects objects as they stream by; finish resolves references
// and produces the model.
type builder struct {
	file, base string
	pos        func(int64) (int, int)
	bundleID   string
	n          int // objects seen
	errs       []error
	warnings   []string
	unknown    map[string]int

	inds      []*indRec
	indAt     map[string]int
	sdos      map[string]*sdoRec
	sdoOrder  []string
	rels      []*relRec
	relAt     map[string]int
	sightings map[string]int
	scos      map[string]int
}

// indRec is an indicator converted as far as it can be before relationships
// are known.
type indRec struct {
	id        string
	modified  time.Time
	createdBy string
	srcRefs   []string
	own       bool // exported by cascade
	out       []intel.Indicator
	start     int64
}

// sdoRec is a domain object other than an indicator.
type sdoRec struct {
	obj      object
	modified time.Time
	start    int64
}

type relRec struct {
	typ, src, dst string
	createdBy     string
	// desc and refs are the relationship's own description and external
	// references (an incident tie's wording and source).
	desc     string
	refs     []string
	modified time.Time
	revoked  bool
}

func newBuilder(file, base string, pos func(int64) (int, int)) *builder {
	return &builder{file: file, base: base, pos: pos, unknown: map[string]int{}, indAt: map[string]int{},
		sdos: map[string]*sdoRec{}, relAt: map[string]int{}, sightings: map[string]int{}, scos: map[string]int{}}
}

// add decodes one object. Problems with the object are collected; only a
// runaway count of them stops the load.
func (b *builder) add(raw json.RawMessage, start int64) error {
	b.n++
	if b.n > MaxObjects {
		return b.errAt(start, fmt.Errorf("more than %d objects", MaxObjects))
	}
	if !validUTF8(raw) {
		b.warn(start, "object %d has invalid UTF-8; the bad bytes read as U+FFFD", b.n-1)
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return b.objErr(start, "", fmt.Errorf("object %d: %w", b.n-1, err))
	}
	if o.Type == "" || o.ID == "" {
		return b.objErr(start, o.ID, fmt.Errorf("object %d has no type or id", b.n-1))
	}
	if idType(o.ID) != o.Type {
		return b.objErr(start, o.ID, fmt.Errorf("id %q does not name an object of type %q", o.ID, o.Type))
	}
	modified, err := parseTime("modified", o.Modified)
	if err != nil {
		return b.objErr(start, o.ID, err)
	}
	return b.dispatch(&o, raw, modified, start)
}

func (b *builder) dispatch(o *object, raw json.RawMessage, modified time.Time, start int64) error {
	switch o.Type {
	case "indicator":
		return b.addIndicator(o, raw, modified, start)
	case "relationship":
		if o.SourceRef == "" || o.TargetRef == "" || o.RelationshipType == "" {
			return b.objErr(start, o.ID, errors.New("relationship needs relationship_type, source_ref and target_ref"))
		}
		b.addRel(&relRec{typ: o.RelationshipType, src: o.SourceRef, dst: o.TargetRef,
			createdBy: o.CreatedByRef, modified: modified, revoked: o.Revoked,
			desc: strings.TrimSpace(o.Description), refs: refsOf(o.ExternalRefs)}, o.ID)
	case "sighting":
		if o.SightingOfRef != "" {
			b.sightings[o.SightingOfRef]++
		}
	case "identity", "malware", "campaign", "intrusion-set", "threat-actor", "incident", "report", advisoryType:
		old := b.sdos[o.ID]
		if old == nil {
			b.sdoOrder = append(b.sdoOrder, o.ID)
		}
		if old == nil || modified.After(old.modified) {
			b.sdos[o.ID] = &sdoRec{obj: *o, modified: modified, start: start}
		}
	default:
		if scoTypes[o.Type] {
			b.scos[o.Type]++
			return nil
		}
		b.unknown[o.Type]++
		if b.unknown[o.Type] <= maxUnknownWarnings {
			b.warn(start, "object type %q is not used by cascade; kept in the document, not loaded", o.Type)
		}
	}
	return nil
}

// scoTypes are the cyber-observable and context objects cascade reads
// past: they describe observations, not indicators.
var scoTypes = map[string]bool{
	"file": true, "software": true, "domain-name": true, "url": true, "ipv4-addr": true, "ipv6-addr": true,
	"x509-certificate": true, "directory": true, "process": true, "network-traffic": true, "artifact": true,
	"observed-data": true, "marking-definition": true, "email-addr": true, "mac-addr": true, "mutex": true,
	"autonomous-system": true, "windows-registry-key": true, "user-account": true, "email-message": true,
	"language-content": true, "extension-definition": true, "note": true, "opinion": true, "grouping": true,
	"attack-pattern": true, "course-of-action": true, "infrastructure": true, "location": true, "tool": true,
	"vulnerability": true, "malware-analysis": true,
}

// addRel keeps relationships in document order; a newer version of one
// replaces it in place.
func (b *builder) addRel(r *relRec, id string) {
	if i, ok := b.relAt[id]; ok {
		if r.modified.After(b.rels[i].modified) {
			b.rels[i] = r
		}
		return
	}
	b.relAt[id] = len(b.rels)
	b.rels = append(b.rels, r)
}

// objErr records a problem with one object and carries on, unless there
// are too many.
func (b *builder) objErr(start int64, id string, err error) error {
	line, col := b.pos(start)
	if id != "" {
		err = fmt.Errorf("%s: %w", id, err)
	}
	b.errs = append(b.errs, &intel.LoadError{File: b.file, Line: line, Column: col, Err: err})
	if len(b.errs) >= maxErrors {
		return fmt.Errorf("%w (stopped after %d errors)", errors.Join(b.errs...), maxErrors)
	}
	return nil
}

func (b *builder) errAt(off int64, err error) error {
	line, col := b.pos(off)
	return errors.Join(append(b.errs, &intel.LoadError{File: b.file, Line: line, Column: col, Err: err})...)
}

// syntaxErr places a JSON decoding error.
func (b *builder) syntaxErr(dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of input")
	}
	return b.errAt(off, fmt.Errorf("malformed JSON: %w", err))
}

func (b *builder) warn(off int64, format string, a ...any) {
	line, col := b.pos(off)
	b.warnings = append(b.warnings, fmt.Sprintf("%s:%d:%d: %s", b.file, line, col, fmt.Sprintf(format, a...)))
}

// sortedIDs returns map keys in order, for deterministic output.
func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
