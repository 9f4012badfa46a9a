package cascade

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// MaxTargets bounds a backwards trace's compromised set: one search runs
// per target.
const MaxTargets = 64

// Upstream is a node that can have carried the compromise to some targets
// in time.
type Upstream struct {
	Node Node   `json:"node"`
	Kind string `json:"kind"`
	// Deadline is the latest time the node can have been compromised and
	// still reached every target it covers by the time it was found.
	Deadline time.Time `json:"deadline"`
	// Targets are the targets it can have reached, in seed order.
	Targets    []string `json:"targets"`
	Confidence float64  `json:"confidence"`
	// Root: no predecessor can have compromised it in time.
	Root bool `json:"root,omitempty"`
	// Known: intel says it was compromised, no later than Deadline.
	Known bool `json:"known_compromised,omitempty"`
	// FirstHost is the first host on Path (the node itself if a host).
	FirstHost string `json:"first_host,omitempty"`
	// Path leads from the node to the target that binds its deadline. It
	// is filled for PatientZero; BackResult.Path gives any other's.
	Path []Step `json:"path"`
	// search and label name the binding target's search and the node's
	// label in it.
	search int
	label  int32
}

// BackResult is a backwards trace.
type BackResult struct {
	Options
	// Upstream lists every node that can have reached a target, by
	// deadline then id (targets themselves included).
	Upstream []Upstream
	// PatientZero ranks the roots that cover the most targets: known
	// compromised first, then earliest deadline, confidence and id.
	PatientZero []Upstream
	// Warnings are the graph's warnings (unverified attestations…).
	Warnings []string
	searches []*search
}

// Path is the path from u to the target that binds its deadline.
func (r *BackResult) Path(u *Upstream) []Step {
	if u.Path != nil {
		return u.Path
	}
	return r.searches[u.search].path(u.label)
}

// Backtrace runs a backwards trace from the compromised set in o.Seeds
// (each with the time it was found compromised).
func Backtrace(ctx context.Context, g *Graph, o Options) (*BackResult, error) {
	ids, w, err := o.check(g)
	if err != nil {
		return nil, err
	}
	if len(ids) > MaxTargets {
		return nil, fmt.Errorf("%w: %d targets, at most %d", ErrBadSeed, len(ids), MaxTargets)
	}
	g.reverse()
	skew := int64(o.Skew / time.Second)
	acc := make([]upAcc, len(g.nodes))
	r := &BackResult{Options: o, Warnings: g.Warnings()}
	for i, v := range ids {
		s := newSearch(g, true, skew, o.At.Unix(), o.MaxDepth, w)
		if !s.sweep([]item{seedItem(v, -o.Seeds[i].Time.Unix())}, func() bool { return ctx.Err() != nil }) {
			return nil, ctx.Err()
		}
		s.fold(acc, i)
		s.node, s.full, s.seen, s.q = nil, nil, nil, queue{} // paths need only the labels
		r.searches = append(r.searches, s)
	}
	// Order the nodes by deadline, then id (node indices follow the ids'
	// byte order), before making their records: sorting the records
	// themselves moved 300 bytes a swap.
	type upKey struct {
		deadline time.Time
		v        uint32
	}
	var order []upKey
	for v := range acc {
		if acc[v].targets != 0 {
			order = append(order, upKey{TimeOf(acc[v].deadline), uint32(v)})
		}
	}
	slices.SortFunc(order, func(a, b upKey) int { return cmp.Or(a.deadline.Compare(b.deadline), cmp.Compare(a.v, b.v)) })
	best := 0
	r.Upstream = make([]Upstream, 0, len(order))
	pred := &search{g: g, skew: skew, at: o.At.Unix(), weight: w}
	for _, k := range order {
		a := &acc[k.v]
		n := g.nodes[k.v]
		u := Upstream{Node: n, Kind: n.Kind.String(), Deadline: k.deadline, Confidence: round(a.conf),
			search: int(a.search), label: a.label}
		for i := range ids {
			if a.targets&(1<<i) != 0 {
				u.Targets = append(u.Targets, o.Seeds[i].Node)
			}
		}
		u.Root = !pred.hasPredecessor(k.v, a.deadline)
		u.Known = !n.Compromised.IsZero() && !n.Compromised.After(u.Deadline)
		r.Upstream = append(r.Upstream, u)
		best = max(best, len(u.Targets))
	}
	for _, u := range r.Upstream {
		if u.Root && len(u.Targets) == best {
			u.Path = r.Path(&u)
			u.FirstHost = FirstHost(u.Path)
			r.PatientZero = append(r.PatientZero, u)
		}
	}
	slices.SortStableFunc(r.PatientZero, func(a, b Upstream) int {
		return cmp.Or(-cmpBool(a.Known, b.Known), a.Deadline.Compare(b.Deadline), cmp.Compare(b.Confidence, a.Confidence))
	})
	return r, nil
}

// upAcc gathers one node's results over the targets' searches: the
// targets it covers (a bit each) and its binding deadline and label.
type upAcc struct {
	targets  uint64
	deadline int64
	conf     float32
	search   int32
	label    int32
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// fold merges search si into acc: a node's deadline is the earliest over
// the targets it covers, its path the one to that target.
func (s *search) fold(acc []upAcc, si int) {
	for v := range s.node {
		h := s.head(v)
		if h < 0 {
			continue
		}
		l := &s.labels[h]
		a := &acc[v]
		d := -l.key
		if a.targets == 0 || d < a.deadline || d == a.deadline && l.conf > a.conf {
			a.deadline, a.conf, a.search, a.label = d, l.conf, int32(si), h
		}
		a.targets |= 1 << si
	}
}

// hasPredecessor reports whether some arc into v can have carried a
// compromise to v by deadline d.
func (s *search) hasPredecessor(v uint32, d int64) bool {
	g := s.g
	for r := g.roff[v]; r < g.roff[v+1]; r++ {
		if _, ok := s.departure(d, g.rarc[r]); ok {
			return true
		}
	}
	return false
}

// FirstHost is the first host on a path, or "".
func FirstHost(p []Step) string {
	for _, st := range p {
		if st.Kind == Host.String() {
			return st.Node
		}
	}
	return ""
}
