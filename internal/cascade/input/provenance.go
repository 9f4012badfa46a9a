package input

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

// SLSA provenance v1 in an in-toto Statement, alone or in a DSSE envelope.
const (
	statementType  = "https://in-toto.io/Statement/v1"
	provenanceType = "https://slsa.dev/provenance/v1"
	payloadType    = "application/vnd.in-toto+json"
)

// Provenance is a file of SLSA provenance v1 attestations: one JSON value
// or JSON Lines, each an in-toto Statement or a DSSE envelope holding one.
// Each subject becomes a release built on the host the builder id names
// (a host whose builder_ids list it, or whose id it is), over
// [startedOn, finishedOn); resolved dependencies become depends-on edges.
// An envelope's signature is checked only when Key is set; otherwise, or
// when it does not verify, the edges are marked unverified.
type Provenance struct {
	Path    string
	Key     crypto.PublicKey
	KeyName string
}

type statement struct {
	Type          string          `json:"_type"`
	Subject       []descriptor    `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type descriptor struct {
	Name   string            `json:"name"`
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

type slsaPredicate struct {
	BuildDefinition struct {
		BuildType            string       `json:"buildType"`
		ResolvedDependencies []descriptor `json:"resolvedDependencies"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
		Metadata struct {
			InvocationID string `json:"invocationId"`
			StartedOn    string `json:"startedOn"`
			FinishedOn   string `json:"finishedOn"`
		} `json:"metadata"`
	} `json:"runDetails"`
}

type envelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// Load reads the file into b.
func (p Provenance) Load(ctx context.Context, b *cascade.Builder) error {
	data, err := readFile(p.Path)
	if err != nil {
		return err
	}
	return p.LoadBytes(p.Path, data, b)
}

// LoadBytes reads attestations from data, named name.
func (p Provenance) LoadBytes(name string, data []byte, b *cascade.Builder) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	ln := &lines{data: data}
	for i := 0; ; i++ {
		at := fmt.Sprintf("%s:%d: attestation %d", name, ln.at(dec.InputOffset()), i+1)
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			if i == 0 {
				return fmt.Errorf("%s: no attestation", name)
			}
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		if err := p.one(raw, at, b); err != nil {
			return err
		}
	}
}

// one reads a statement or an envelope and adds its edges.
func (p Provenance) one(raw map[string]json.RawMessage, at string, b *cascade.Builder) error {
	ev := &cascade.Evidence{Source: "slsa-provenance", Ref: at, Unverified: true, Note: "unsigned statement"}
	body, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if _, ok := raw["payload"]; ok {
		var env envelope
		if err := strictJSON(body, &env); err != nil {
			return fmt.Errorf("%s: DSSE envelope: %w", at, err)
		}
		if env.PayloadType != payloadType {
			return fmt.Errorf("%s: $.payloadType %q, want %q", at, env.PayloadType, payloadType)
		}
		if body, err = base64.StdEncoding.DecodeString(env.Payload); err != nil {
			return fmt.Errorf("%s: $.payload: not base64: %w", at, err)
		}
		ev.Unverified, ev.Note = p.verify(&env, body)
		if ev.Unverified {
			b.Warn(fmt.Sprintf("%s: %s: its edges are shown as unverified", at, ev.Note))
		}
	}
	var st statement
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("%s: statement: %w", at, err)
	}
	if st.Type != statementType || st.PredicateType != provenanceType {
		return fmt.Errorf("%s: $._type %q and $.predicateType %q: want %s and %s", at, st.Type, st.PredicateType, statementType, provenanceType)
	}
	var pred slsaPredicate
	if err := json.Unmarshal(st.Predicate, &pred); err != nil {
		return fmt.Errorf("%s: $.predicate: %w", at, err)
	}
	return addBuild(&st, &pred, ev, at, b)
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func addBuild(st *statement, pred *slsaPredicate, ev *cascade.Evidence, at string, b *cascade.Builder) error {
	md := pred.RunDetails.Metadata
	iv, err := interval(md.StartedOn, md.FinishedOn)
	if err != nil {
		return fmt.Errorf("%s: $.predicate.runDetails.metadata: %w", at, err)
	}
	if md.FinishedOn == "" {
		b.Warn(fmt.Sprintf("%s: no finishedOn: the build is taken as still open", at))
	}
	ev.Times = map[string]time.Time{}
	for k, v := range map[string]int64{"started": iv.From, "finished": iv.Until} {
		if t := cascade.TimeOf(v); !t.IsZero() {
			ev.Times[k] = t
		}
	}
	if md.InvocationID != "" {
		ev.Ref += " (invocation " + md.InvocationID + ")"
	}
	host, err := builderHost(pred.RunDetails.Builder.ID, b)
	if err != nil {
		return fmt.Errorf("%s: $.predicate.runDetails.builder.id: %w", at, err)
	}
	if len(st.Subject) == 0 {
		return fmt.Errorf("%s: $.subject: no subject", at)
	}
	for i, s := range st.Subject {
		rel, err := artifact(s, cascade.Release, "release:", fmt.Sprintf("%s: $.subject[%d]", at, i), b)
		if err != nil {
			return err
		}
		e := cascade.Edge{Kind: cascade.BuiltOn, From: rel, To: host, Valid: iv, Confidence: 1, Evidence: ev, Origin: at}
		if err := b.AddEdge(e); err != nil {
			return err
		}
		for j, d := range pred.BuildDefinition.ResolvedDependencies {
			dep, err := artifact(d, cascade.Package, "package:", fmt.Sprintf("%s: $.predicate.buildDefinition.resolvedDependencies[%d]", at, j), b)
			if err != nil {
				return err
			}
			if dep == rel {
				continue
			}
			e := cascade.Edge{Kind: cascade.DependsOn, From: rel, To: dep, Valid: iv, Confidence: 1, Evidence: ev, Origin: at}
			if err := b.AddEdge(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// builderHost finds the host a builder id names.
func builderHost(id string, b *cascade.Builder) (string, error) {
	if id == "" {
		return "", errors.New("empty builder id")
	}
	var found []string
	b.Nodes(func(n cascade.Node) {
		if n.Kind == cascade.Host && (n.ID == id || n.ID == "host:"+id || slices.Contains(n.BuilderIDs, id)) {
			found = append(found, n.ID)
		}
	})
	switch len(found) {
	case 0:
		return "", fmt.Errorf("builder %q names no host: list it in a host's builder_ids", id)
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("builder %q names several hosts (%s): conflicting declarations", id, strings.Join(found, ", "))
}

// artifact finds the node a descriptor's digests name, or declares one.
func artifact(d descriptor, kind cascade.NodeKind, prefix, at string, b *cascade.Builder) (string, error) {
	algs := make([]string, 0, len(d.Digest))
	for alg := range d.Digest {
		algs = append(algs, alg)
	}
	slices.Sort(algs)
	var id string
	for _, alg := range algs {
		if found, ok := b.ByDigest(strings.ToLower(alg), d.Digest[alg]); ok {
			if id != "" && id != found {
				return "", fmt.Errorf("%s: its digests name two nodes, %s and %s: conflicting declarations", at, id, found)
			}
			id = found
		}
	}
	if id != "" {
		return id, nil
	}
	name := first(d.Name, d.URI)
	if name == "" || len(d.Digest) == 0 {
		return "", fmt.Errorf("%s: no digest of a declared node, and no name and digest to declare one", at)
	}
	id = prefix + name
	digests := map[string]string{}
	for alg, h := range d.Digest {
		digests[strings.ToLower(alg)] = strings.ToLower(h)
	}
	if n, ok := b.Lookup(id); ok && n.Kind != kind {
		kind = n.Kind
	}
	b.Warn(fmt.Sprintf("%s: %s matches no declared node by digest: declared %s", at, name, id))
	return id, b.AddNode(cascade.Node{ID: id, Kind: kind, Name: name, Digests: digests, Origin: at})
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
