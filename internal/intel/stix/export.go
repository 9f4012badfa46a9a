package stix

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
)

// ExportOptions tune an export.
type ExportOptions struct {
	// Created is written as every object's created and modified time; zero
	// means the Unix epoch, so repeated exports of the same intel are
	// byte-identical.
	Created time.Time
}

// Export writes in as one STIX 2.1 bundle. Sources become identities,
// indicators carry patterns (native types as their equivalent STIX
// pattern), incidents become campaigns, actors become intrusion sets,
// threat actors, campaigns or malware with their aliases, advisories
// become x-cascade-advisory objects referring to software observables.
// cascade's own properties (x_cascade_…) make loading the bundle back give
// the same model.
func Export(w io.Writer, in *intel.Intel, opt ExportOptions) error {
	ts := opt.Created
	if ts.IsZero() {
		ts = epoch
	}
	e := &exporter{in: in, ts: ts.UTC().Format(tsLayout), identity: map[string]string{}, actorSDO: map[string]string{}}
	e.identities()
	e.actors()
	e.incidents()
	if err := e.indicators(); err != nil {
		return err
	}
	if err := e.advisories(); err != nil {
		return err
	}
	return e.write(w)
}

// tsLayout is the STIX timestamp with millisecond precision.
const tsLayout = "2006-01-02T15:04:05.000Z"

type exporter struct {
	in       *intel.Intel
	ts       string
	objs     []json.RawMessage
	ids      []string
	identity map[string]string // source ID → identity id
	actorSDO map[string]string // actor ID → object id
	incSDO   map[string]string // incident ID → campaign id
	seen     map[string]bool   // observables already written
}

// common is the properties every exported domain object shares.
type common struct {
	Type         string   `json:"type"`
	SpecVersion  string   `json:"spec_version"`
	ID           string   `json:"id"`
	Created      string   `json:"created"`
	Modified     string   `json:"modified"`
	CreatedByRef string   `json:"created_by_ref,omitempty"`
	SourceRefs   []string `json:"x_cascade_source_refs,omitempty"`
}

func (e *exporter) common(typ, id string, sources []string) common {
	c := common{Type: typ, SpecVersion: "2.1", ID: id, Created: e.ts, Modified: e.ts}
	refs := make([]string, 0, len(sources))
	for _, s := range sources {
		refs = append(refs, e.identityFor(s))
	}
	if len(refs) > 0 {
		c.CreatedByRef = refs[0]
	}
	if len(refs) > 1 {
		c.SourceRefs = refs
	}
	return c
}

// add appends an object, with any custom properties merged in.
func (e *exporter) add(id string, v any, custom map[string]json.RawMessage) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("export %s: %w", id, err)
	}
	if len(custom) > 0 {
		keys := make([]string, 0, len(custom))
		for k := range custom {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = b[:len(b)-1]
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			b = append(append(append(append(b, ','), kb...), ':'), compact(custom[k])...)
		}
		b = append(b, '}')
	}
	e.objs = append(e.objs, b)
	e.ids = append(e.ids, id)
	return nil
}

func compact(raw json.RawMessage) []byte {
	var out []byte
	if b, err := json.Marshal(raw); err == nil {
		out = b
	}
	if len(out) == 0 {
		return []byte("null")
	}
	return out
}

// write emits the bundle, one object per line; its id is derived from the
// ids of what it holds.
func (e *exporter) write(w io.Writer) error {
	h := sha256.New()
	for _, id := range e.ids {
		h.Write([]byte(id + "\n"))
	}
	bundle := "bundle--" + uuid5(cascadeNamespace, "bundle\x00"+hex.EncodeToString(h.Sum(nil)))
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\n  \"type\": \"bundle\",\n  \"id\": %q,\n  \"objects\": [", bundle)
	for i, o := range e.objs {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(o)
	}
	bw.WriteString("\n  ]\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write STIX bundle: %w", err)
	}
	return nil
}

type identityObj struct {
	common
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	XSource     *xSource `json:"x_cascade_source"`
}

func (e *exporter) identities() {
	for _, s := range e.in.Sources {
		e.newIdentity(s)
	}
}

func (e *exporter) newIdentity(s intel.Source) string {
	id := sdoID("identity", s.ID)
	e.identity[s.ID] = id
	obj := identityObj{common: common{Type: "identity", SpecVersion: "2.1", ID: id, Created: e.ts, Modified: e.ts},
		Name: s.Name, Description: s.Description, XSource: &xSource{ID: s.ID, Kind: s.Kind, Location: s.Location}}
	if obj.Name == "" {
		obj.Name = s.ID
	}
	e.add(id, obj, nil)
	return id
}

// identityFor returns the identity of a source, creating one for a source
// that is referenced but not listed.
func (e *exporter) identityFor(src string) string {
	if id, ok := e.identity[src]; ok {
		return id
	}
	return e.newIdentity(intel.Source{ID: src, Name: src})
}

type relationshipObj struct {
	common
	RelationshipType string   `json:"relationship_type"`
	Description      string   `json:"description,omitempty"`
	SourceRef        string   `json:"source_ref"`
	TargetRef        string   `json:"target_ref"`
	ExternalRefs     []extRef `json:"external_references,omitempty"`
}

func (e *exporter) relate(typ, src, dst string) { e.relateWith(typ, src, dst, "", nil) }

// relateWith adds a relationship that says in words what it is and who
// establishes it.
func (e *exporter) relateWith(typ, src, dst, desc string, refs []string) {
	id := sdoID("relationship", typ, src, dst)
	e.add(id, relationshipObj{common: common{Type: "relationship", SpecVersion: "2.1", ID: id, Created: e.ts, Modified: e.ts},
		RelationshipType: typ, Description: desc, SourceRef: src, TargetRef: dst, ExternalRefs: externalRefs(refs)}, nil)
}

// externalRefs turns references into STIX external references: a URL as
// url, anything else as a description.
func externalRefs(refs []string) []extRef {
	var out []extRef
	for _, r := range refs {
		x := extRef{SourceName: "cascade"}
		if isURL(r) {
			x.URL = r
		} else {
			x.Description = r
		}
		out = append(out, x)
	}
	return out
}
