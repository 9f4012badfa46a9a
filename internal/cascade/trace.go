package cascade

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Seed is where a trace starts: a node and a time (when it was compromised
// for a forward trace, when it was found compromised for a backwards one).
type Seed struct {
	Node string
	Time time.Time
}

// Options shape a trace.
type Options struct {
	Seeds []Seed
	// At is the time the trace is made: edges starting later are ignored,
	// a seed later than At is an error. Required.
	At time.Time
	// MaxDepth limits the hops of a path (0: no limit).
	MaxDepth int
	// Exclude drops edge kinds from the trace.
	Exclude []EdgeKind
	// Confidence weighs every edge of a kind (default 1): an edge's
	// confidence in a path is its own times its kind's.
	Confidence map[EdgeKind]float64
	// Skew is the clock-skew tolerance between hosts: an edge still counts
	// if it ended no more than Skew before the compromise reached its source.
	Skew time.Duration
}

// ErrBadSeed is wrapped by errors about seeds.
var ErrBadSeed = errors.New("bad seed")

func (o *Options) check(g *Graph) ([]uint32, [numEdgeKinds]float32, error) {
	var w [numEdgeKinds]float32
	if o.At.IsZero() {
		return nil, w, errors.New("trace: no time given to trace at")
	}
	if o.Skew < 0 || o.MaxDepth < 0 {
		return nil, w, fmt.Errorf("trace: negative skew (%v) or depth (%d)", o.Skew, o.MaxDepth)
	}
	for k := Ran; k < numEdgeKinds; k++ {
		w[k] = 1
	}
	for k, c := range o.Confidence {
		if k == 0 || k >= numEdgeKinds || !(c >= 0 && c <= 1) {
			return nil, w, fmt.Errorf("trace: confidence %v for %s: want a kind and a number in [0, 1]", c, k)
		}
		w[k] = float32(c)
	}
	for _, k := range o.Exclude {
		if k == 0 || k >= numEdgeKinds {
			return nil, w, fmt.Errorf("trace: cannot exclude %s", k)
		}
		w[k] = 0
	}
	if len(o.Seeds) == 0 {
		return nil, w, fmt.Errorf("%w: no seed to trace from", ErrBadSeed)
	}
	ids := make([]uint32, len(o.Seeds))
	for i, sd := range o.Seeds {
		v, ok := g.index[sd.Node]
		if !ok {
			return nil, w, fmt.Errorf("%w: %q is no node of the graph", ErrBadSeed, sd.Node)
		}
		if sd.Time.IsZero() {
			return nil, w, fmt.Errorf("%w: %q has no time", ErrBadSeed, sd.Node)
		}
		if sd.Time.After(o.At) {
			return nil, w, fmt.Errorf("%w: %q at %s is in the future of the trace time %s", ErrBadSeed,
				sd.Node, sd.Time.UTC().Format(time.RFC3339), o.At.UTC().Format(time.RFC3339))
		}
		ids[i] = v
	}
	return ids, w, nil
}

// Result is a forward trace: every node reached, with its earliest time.
type Result struct {
	Options
	g *Graph
	s *search
}

// Trace runs a forward trace from the seeds: every node reachable by a path
// that only moves forward in time, with the earliest time it can have been
// reached and the best path there.
func Trace(ctx context.Context, g *Graph, o Options) (*Result, error) {
	ids, w, err := o.check(g)
	if err != nil {
		return nil, err
	}
	s := newSearch(g, false, int64(o.Skew/time.Second), o.At.Unix(), o.MaxDepth, w)
	seeds := make([]item, len(ids))
	for i, v := range ids {
		seeds[i] = seedItem(v, o.Seeds[i].Time.Unix())
	}
	if !s.sweep(seeds, func() bool { return ctx.Err() != nil }) {
		return nil, ctx.Err()
	}
	return &Result{Options: o, g: g, s: s}, nil
}

// Count is the number of nodes reached, seeds included.
func (r *Result) Count() int {
	n := 0
	for v := range r.s.node {
		h := r.s.head(v)
		if h >= 0 {
			n++
		}
	}
	return n
}

// Step is one node on a path, with the arc that led to it (nil for the
// path's first node) and the time the compromise got there.
type Step struct {
	Node       string    `json:"node"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	Confidence float64   `json:"confidence"`
	Via        *Arc      `json:"via,omitempty"`
}

// Reach is one node a forward trace reached.
type Reach struct {
	Node       Node      `json:"node"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"earliest"`
	Confidence float64   `json:"confidence"`
	Depth      int       `json:"depth"`
	Seed       bool      `json:"seed,omitempty"`
	// Suspect marks a release reached through its builder or a dependency.
	Suspect bool `json:"suspect,omitempty"`
	// Unverified is set when an edge on the path has unverified evidence.
	Unverified bool   `json:"unverified,omitempty"`
	Path       []Step `json:"path"`
}

// Reached lists every node reached, by earliest time, then hops, then id.
func (r *Result) Reached() []Reach { return r.reached(false) }

// ReachedLast is Reached with each path cut to its last hop: the
// predecessor's step and the node's own (the seed's step alone for a
// seed). Unverified still covers the whole path. It is for drawing large
// traces, where expanding every full path costs more than the drawing.
func (r *Result) ReachedLast() []Reach { return r.reached(true) }

func (r *Result) reached(last bool) []Reach {
	var out []Reach
	for v := range r.s.node {
		h := r.s.head(v)
		if h < 0 {
			continue
		}
		l := r.s.labels[h]
		n := r.g.nodes[v]
		re := Reach{Node: n, Kind: n.Kind.String(), Time: TimeOf(l.key), Confidence: round(l.conf),
			Depth: int(l.depth), Seed: l.pred < 0}
		re.Suspect = n.Kind == Release && !re.Seed
		if last {
			re.Path, re.Unverified = r.s.lastHop(h), r.s.unverified(h)
		} else {
			re.Path = r.s.path(h)
			for _, st := range re.Path {
				if st.Via != nil && st.Via.Evidence != nil && st.Via.Evidence.Unverified {
					re.Unverified = true
				}
			}
		}
		out = append(out, re)
	}
	slices.SortFunc(out, func(a, b Reach) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Depth, b.Depth), cmp.Compare(a.Node.ID, b.Node.ID))
	})
	return out
}

// path walks label l back to its seed; forward, the seed comes first.
func (s *search) path(l int32) []Step {
	var out []Step
	for ; l >= 0; l = s.labels[l].pred {
		x := s.labels[l]
		n := s.g.nodes[x.node]
		t := x.key
		if s.backward {
			t = -t
		}
		st := Step{Node: n.ID, Kind: n.Kind.String(), Time: TimeOf(t), Confidence: round(x.conf)}
		if x.arc != noArc {
			a := s.g.arc(x.arc)
			st.Via = &a
		}
		out = append(out, st)
	}
	if !s.backward {
		slices.Reverse(out)
		return out
	}
	// Backwards the chain runs from the upstream node to the target and each
	// label holds the arc out of its node: move each arc to the step it
	// leads into, so paths read forward either way.
	for i := len(out) - 1; i > 0; i-- {
		out[i].Via = out[i-1].Via
	}
	if len(out) > 0 {
		out[0].Via = nil
	}
	return out
}

// lastHop is the last two steps of path(l) (one for a seed), without
// walking the rest of the chain.
func (s *search) lastHop(l int32) []Step {
	step := func(l int32) Step {
		x := s.labels[l]
		n := s.g.nodes[x.node]
		st := Step{Node: n.ID, Kind: n.Kind.String(), Time: TimeOf(x.key), Confidence: round(x.conf)}
		if x.arc != noArc {
			a := s.g.arc(x.arc)
			st.Via = &a
		}
		return st
	}
	if p := s.labels[l].pred; p >= 0 {
		return []Step{step(p), step(l)}
	}
	return []Step{step(l)}
}

// unverified reports whether an arc on the chain to l has unverified evidence.
func (s *search) unverified(l int32) bool {
	for ; l >= 0; l = s.labels[l].pred {
		if x := s.labels[l]; x.arc != noArc {
			if ev := s.g.evidence[s.g.ev[x.arc]]; ev != nil && ev.Unverified {
				return true
			}
		}
	}
	return false
}

// round keeps confidences printable and stable: float32 products to 1e-6.
func round(c float32) float64 {
	return float64(int64(float64(c)*1e6+0.5)) / 1e6
}

// Labels is the number of labels settled (for benchmarks).
func (r *Result) Labels() int { return len(r.s.labels) }

// Warnings are the graph's warnings (unverified attestations…).
func (r *Result) Warnings() []string { return r.g.Warnings() }
