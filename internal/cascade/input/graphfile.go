package input

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// GraphFile is a graph in cascade's JSON format: {"cascade_graph": 1,
// "nodes": [...], "edges": [...]}. Declared-edge JSON files are graph files
// with edges only.
type GraphFile struct{ Path string }

// Load reads the file into b.
func (f GraphFile) Load(ctx context.Context, b *cascade.Builder) error {
	data, err := readFile(f.Path)
	if err != nil {
		return err
	}
	return LoadGraph(f.Path, data, b)
}

type jsonNode struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	Vendor      string            `json:"vendor"`
	Version     string            `json:"version"`
	Org         string            `json:"org"`
	Roles       []string          `json:"roles"`
	Digests     map[string]string `json:"digests"`
	BuilderIDs  []string          `json:"builder_ids"`
	Compromised string            `json:"compromised"`
}

type jsonEvidence struct {
	Source     string            `json:"source"`
	Ref        string            `json:"ref"`
	Times      map[string]string `json:"times"`
	Unverified bool              `json:"unverified"`
	Note       string            `json:"note"`
}

type jsonEdge struct {
	Kind       string        `json:"kind"`
	From       string        `json:"from"`
	To         string        `json:"to"`
	ValidFrom  string        `json:"valid_from"`
	ValidUntil string        `json:"valid_until"`
	Confidence *float64      `json:"confidence"`
	Evidence   *jsonEvidence `json:"evidence"`
}

// LoadGraph reads graph-file bytes named name into b.
func LoadGraph(name string, data []byte, b *cascade.Builder) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	ln := &lines{data: data}
	where := func(path string) string { return fmt.Sprintf("%s:%d: %s", name, ln.at(dec.InputOffset()), path) }
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("%s: %w", where("$"), err)
	}
	version := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", where("$"), err)
		}
		key, _ := tok.(string)
		switch key {
		case "cascade_graph":
			if err := dec.Decode(&version); err != nil || version != 1 {
				return fmt.Errorf("%s: want format version 1", where("$.cascade_graph"))
			}
		case "nodes":
			err = eachElement(dec, "$.nodes", where, func(_, at string) error { return readNode(dec, at, b) })
		case "edges":
			err = eachElement(dec, "$.edges", where, func(_, at string) error { return readEdge(dec, at, b) })
		default:
			return fmt.Errorf("%s: unknown key %q (want cascade_graph, nodes, edges)", where("$"), key)
		}
		if err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", where("$"), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: data after the graph object", where("$"))
	}
	return nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %q, found %v", d, tok)
	}
	return nil
}

// eachElement calls f for every element of the array that comes next,
// with its JSON path and its file:line.
func eachElement(dec *json.Decoder, path string, where func(string) string, f func(path, at string) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return fmt.Errorf("%s: %w", where(path), err)
	}
	for i := 0; dec.More(); i++ {
		p := fmt.Sprintf("%s[%d]", path, i)
		if err := f(p, where(p)); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func readNode(dec *json.Decoder, at string, b *cascade.Builder) error {
	var jn jsonNode
	if err := dec.Decode(&jn); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	k, err := cascade.ParseNodeKind(jn.Kind)
	if err != nil {
		return fmt.Errorf("%s.kind: %w", at, err)
	}
	n := cascade.Node{ID: jn.ID, Kind: k, Name: jn.Name, Vendor: jn.Vendor, Version: jn.Version, Org: jn.Org,
		Roles: jn.Roles, Digests: jn.Digests, BuilderIDs: jn.BuilderIDs, Origin: at}
	if jn.Compromised != "" {
		if n.Compromised, err = ParseTime(jn.Compromised); err != nil {
			return fmt.Errorf("%s.compromised: %w", at, err)
		}
	}
	return b.AddNode(n)
}

func readEdge(dec *json.Decoder, at string, b *cascade.Builder) error {
	var je jsonEdge
	if err := dec.Decode(&je); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	e, err := je.edge(at)
	if err != nil {
		return err
	}
	return b.AddEdge(e)
}

func (je *jsonEdge) edge(at string) (cascade.Edge, error) {
	k, err := cascade.ParseEdgeKind(je.Kind)
	if err != nil {
		return cascade.Edge{}, fmt.Errorf("%s.kind: %w", at, err)
	}
	iv, err := interval(je.ValidFrom, je.ValidUntil)
	if err != nil {
		return cascade.Edge{}, fmt.Errorf("%s: %w", at, err)
	}
	e := cascade.Edge{Kind: k, From: je.From, To: je.To, Valid: iv, Confidence: 1, Origin: at}
	if je.Confidence != nil {
		e.Confidence = *je.Confidence
	}
	if je.Evidence != nil {
		ev := &cascade.Evidence{Source: je.Evidence.Source, Ref: je.Evidence.Ref, Unverified: je.Evidence.Unverified, Note: je.Evidence.Note}
		for name, s := range je.Evidence.Times {
			t, err := ParseTime(s)
			if err != nil {
				return cascade.Edge{}, fmt.Errorf("%s.evidence.times.%s: %w", at, name, err)
			}
			if ev.Times == nil {
				ev.Times = map[string]time.Time{}
			}
			ev.Times[name] = t
		}
		e.Evidence = ev
	}
	return e, nil
}

// interval reads [from, until): an empty from is open (always), an empty
// until is open (still holds).
func interval(from, until string) (cascade.Interval, error) {
	iv := cascade.Interval{From: cascade.Always, Until: cascade.Never}
	if from != "" {
		t, err := ParseTime(from)
		if err != nil {
			return iv, fmt.Errorf("valid_from: %w", err)
		}
		iv.From = t.Unix()
	}
	if until != "" {
		t, err := ParseTime(until)
		if err != nil {
			return iv, fmt.Errorf("valid_until: %w", err)
		}
		iv.Until = t.Unix()
	}
	return iv, nil
}
