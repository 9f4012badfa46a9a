package cascade

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Source feeds nodes and edges to a Builder: a graph file, an importer, or
// (later) the fleet server's derivation from its store.
type Source interface {
	Load(ctx context.Context, b *Builder) error
}

// Builder collects nodes and edges, checks them, and builds a Graph. Edges
// may name nodes declared later; Build reports any never declared.
type Builder struct {
	index map[string]uint32
	nodes []Node
	// declared[i] is false for a node only referenced by an edge so far;
	// refAt[i] is then where it was first referenced.
	declared []bool
	refAt    []string
	byDigest map[string]uint32
	e        edgeArrays
	evidence []*Evidence
	warnings []string
}

// edgeArrays holds edges column by column, oriented the way a compromise
// moves (src → dst): a few bytes an edge instead of a struct with strings.
type edgeArrays struct {
	src, dst    []uint32
	from, until []int64
	conf        []float32
	kind        []EdgeKind
	ev          []uint32 // index into evidence; 0: none
}

func (a *edgeArrays) len() int { return len(a.src) }

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	return &Builder{index: map[string]uint32{}, byDigest: map[string]uint32{}, evidence: []*Evidence{nil}}
}

// Load feeds every source into the builder, in order.
func (b *Builder) Load(ctx context.Context, srcs ...Source) error {
	for _, s := range srcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.Load(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (b *Builder) intern(id, at string) uint32 {
	if i, ok := b.index[id]; ok {
		return i
	}
	i := uint32(len(b.nodes))
	b.index[id] = i
	b.nodes = append(b.nodes, Node{ID: id})
	b.declared = append(b.declared, false)
	b.refAt = append(b.refAt, at)
	return i
}

// Has reports whether a node with this id was declared.
func (b *Builder) Has(id string) bool {
	i, ok := b.index[id]
	return ok && b.declared[i]
}

// Lookup returns a declared node by id.
func (b *Builder) Lookup(id string) (Node, bool) {
	i, ok := b.index[id]
	if !ok || !b.declared[i] {
		return Node{}, false
	}
	return b.nodes[i], true
}

// ByDigest returns the id of the release whose artifact has this digest
// ("sha256:HEX" form, lower case).
func (b *Builder) ByDigest(alg, hex string) (string, bool) {
	i, ok := b.byDigest[alg+":"+strings.ToLower(hex)]
	if !ok {
		return "", false
	}
	return b.nodes[i].ID, true
}

// Nodes calls f for every declared node, in declaration order.
func (b *Builder) Nodes(f func(Node)) {
	for i := range b.nodes {
		if b.declared[i] {
			f(b.nodes[i])
		}
	}
}

// AddNode declares a node. Declaring one twice is allowed when the two
// agree; a different kind, digest, name or version is a conflict.
func (b *Builder) AddNode(n Node) error {
	if n.ID == "" {
		return fmt.Errorf("%s: node without an id", n.Origin)
	}
	if n.Kind == 0 {
		return fmt.Errorf("%s: node %q has no kind", n.Origin, n.ID)
	}
	i := b.intern(n.ID, n.Origin)
	if b.declared[i] {
		merged, err := merge(b.nodes[i], n)
		if err != nil {
			return err
		}
		n = merged
	}
	for alg, h := range n.Digests {
		key := strings.ToLower(alg) + ":" + strings.ToLower(h)
		if j, ok := b.byDigest[key]; ok && j != i {
			return fmt.Errorf("%s: node %q has digest %s, which %q (%s) already has: conflicting declarations",
				n.Origin, n.ID, key, b.nodes[j].ID, b.nodes[j].Origin)
		}
		b.byDigest[key] = i
	}
	b.nodes[i] = n
	b.declared[i] = true
	return nil
}

// merge joins two declarations of one node, or says how they conflict.
func merge(old, n Node) (Node, error) {
	conflict := func(what, a, c string) error {
		return fmt.Errorf("%s: node %q declared with %s %q, but %s declares %s %q: conflicting declarations",
			n.Origin, n.ID, what, c, old.Origin, what, a)
	}
	if old.Kind != n.Kind {
		return Node{}, conflict("kind", old.Kind.String(), n.Kind.String())
	}
	for _, f := range [][3]string{{"name", old.Name, n.Name}, {"vendor", old.Vendor, n.Vendor}, {"version", old.Version, n.Version}, {"org", old.Org, n.Org}} {
		if f[1] != "" && f[2] != "" && f[1] != f[2] {
			return Node{}, conflict(f[0], f[1], f[2])
		}
	}
	out := old
	out.Name, out.Vendor = first(old.Name, n.Name), first(old.Vendor, n.Vendor)
	out.Version, out.Org = first(old.Version, n.Version), first(old.Org, n.Org)
	out.Digests = maps.Clone(old.Digests)
	for alg, h := range n.Digests {
		if o, ok := out.Digests[alg]; ok && !strings.EqualFold(o, h) {
			return Node{}, conflict(alg+" digest", o, h)
		}
		if out.Digests == nil {
			out.Digests = map[string]string{}
		}
		out.Digests[alg] = h
	}
	out.Roles = union(old.Roles, n.Roles)
	out.BuilderIDs = union(old.BuilderIDs, n.BuilderIDs)
	if out.Compromised.IsZero() || !n.Compromised.IsZero() && n.Compromised.Before(out.Compromised) {
		out.Compromised = n.Compromised
	}
	return out, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// AddEdge adds an edge. Its endpoints may be declared later.
func (b *Builder) AddEdge(e Edge) error {
	if e.Kind == 0 || e.Kind >= numEdgeKinds {
		return fmt.Errorf("%s: edge with no valid kind", e.Origin)
	}
	if !e.Valid.Valid() {
		return fmt.Errorf("%s: %s edge %s → %s ends (%s) before it starts (%s)", e.Origin, e.Kind, e.From, e.To,
			fmtTime(e.Valid.Until), fmtTime(e.Valid.From))
	}
	if !(e.Confidence > 0 && e.Confidence <= 1) {
		return fmt.Errorf("%s: %s edge %s → %s has confidence %v, want (0, 1]", e.Origin, e.Kind, e.From, e.To, e.Confidence)
	}
	if e.From == e.To {
		return fmt.Errorf("%s: %s edge from %s to itself", e.Origin, e.Kind, e.From)
	}
	u, v := b.intern(e.From, e.Origin), b.intern(e.To, e.Origin)
	if err := checkEndpoints(e.Kind, &b.nodes[u], &b.nodes[v], e.Origin); err != nil {
		return err
	}
	if e.Kind.Reversed() {
		u, v = v, u
	}
	ev := uint32(0)
	if e.Evidence != nil {
		ev = uint32(len(b.evidence))
		b.evidence = append(b.evidence, e.Evidence)
	}
	a := &b.e
	a.src, a.dst = append(a.src, u), append(a.dst, v)
	a.from, a.until = append(a.from, e.Valid.From), append(a.until, e.Valid.Until)
	a.conf, a.kind, a.ev = append(a.conf, float32(e.Confidence)), append(a.kind, e.Kind), append(a.ev, ev)
	return nil
}

// ErrUnknownNodes is wrapped by Build when edges name undeclared nodes.
var ErrUnknownNodes = errors.New("unknown nodes")

// Build checks the graph and returns it in compact form. Node indices
// follow the ids' byte order, so traces do not depend on input order.
func (b *Builder) Build() (*Graph, error) {
	var missing []string
	for i, ok := range b.declared {
		if !ok {
			missing = append(missing, fmt.Sprintf("%s: edge names node %q, which no input declares", b.refAt[i], b.nodes[i].ID))
		}
	}
	if len(b.nodes) > MaxNodes {
		return nil, fmt.Errorf("graph: %d nodes, at most %d", len(b.nodes), MaxNodes)
	}
	if len(missing) > 0 {
		if len(missing) > 20 {
			missing = append(missing[:20], fmt.Sprintf("… and %d more", len(missing)-20))
		}
		return nil, fmt.Errorf("%w:\n  %s", ErrUnknownNodes, strings.Join(missing, "\n  "))
	}
	for i := range b.e.src {
		from, to := &b.nodes[b.e.src[i]], &b.nodes[b.e.dst[i]]
		if b.e.kind[i].Reversed() {
			from, to = to, from
		}
		if err := checkEndpoints(b.e.kind[i], from, to, "graph"); err != nil {
			return nil, err
		}
	}
	g := newGraph(b)
	g.warnings = b.warnings
	return g, nil
}

// Warn records something a reader wants shown but that is not an error
// (an unverified attestation, a node declared on the fly).
func (b *Builder) Warn(msg string) { b.warnings = append(b.warnings, msg) }

// Load builds a graph from sources, in order.
func Load(ctx context.Context, srcs ...Source) (*Graph, error) {
	b := NewBuilder()
	if err := b.Load(ctx, srcs...); err != nil {
		return nil, err
	}
	return b.Build()
}
