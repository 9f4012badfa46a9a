package stixpattern

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// Result explains a match: which observations were bound to which
// bracketed observation expression. It is empty when nothing matched.
type Result struct {
	Matched  bool
	Bindings []Binding
}

// Binding is one bracketed observation expression and the observations
// bound to it. An expression under REPEATS n TIMES of a single bracketed
// expression has one binding using n instances; an expression inside a
// repeated group has one binding per copy.
type Binding struct {
	Expression   int     // index into Pattern.ObservationExpressions
	Copy         string  // which copy of a repeated group ("2", "1.3"), or ""
	Observations []Bound // in input order
}

// Bound is an observation used by a binding.
type Bound struct {
	Index int    // position in the slice given to Evaluate
	ID    string // the observed-data id
	Count int64  // instances used, out of its number_observed
}

// Limits bound the work of one evaluation; exceeding them is ErrTooComplex.
type Limits struct {
	MaxPlanNodes int   // size of the pattern after expanding REPEATS groups
	MaxSteps     int   // decisions tried by the search
	MaxFlowWork  int64 // edges visited by the matching checks
}

// DefaultLimits keep one evaluation to a few seconds of CPU at most
// (measured: about 40 million flow edge visits and 60,000 steps a second).
var DefaultLimits = Limits{MaxPlanNodes: 20_000, MaxSteps: 200_000, MaxFlowWork: 100_000_000}

// Match reports whether the observations match the pattern. A data error or
// an exhausted limit counts as no match; use Evaluate to see them.
func (p *Pattern) Match(obs []Observation) (Result, bool) {
	r, err := p.Evaluate(context.Background(), obs)
	return r, err == nil && r.Matched
}

// Evaluate matches the pattern against the observations with DefaultLimits.
// It returns a *DataError when an observation holds a value the pattern
// cannot be evaluated against, ErrTooComplex when the limits are exceeded,
// or the context's error.
func (p *Pattern) Evaluate(ctx context.Context, obs []Observation) (Result, error) {
	return p.EvaluateWithLimits(ctx, obs, DefaultLimits)
}

// EvaluateWithLimits is Evaluate with explicit limits.
func (p *Pattern) EvaluateWithLimits(ctx context.Context, obs []Observation, lim Limits) (Result, error) {
	cands, err := p.candidates(ctx, obs)
	if err != nil {
		return Result{}, err
	}
	pl := &planner{obs: obs, cands: cands, maxNodes: lim.MaxPlanNodes}
	for i := range obs {
		pl.capacity = satAdd(pl.capacity, obs[i].NumberObserved)
	}
	root, err := pl.build(p.root, window{})
	if err != nil {
		return Result{}, err
	}
	s := &searcher{ctx: ctx, obs: obs, lim: lim, chosen: map[[2]int]choice{}}
	ok, err := s.dfs([]frame{{n: root}}, nil)
	if err != nil || !ok {
		return Result{}, err
	}
	return Result{Matched: true, Bindings: s.bindings()}, nil
}

// bindings reads the last (successful) matching out of the flow network.
func (s *searcher) bindings() []Binding {
	fs := &s.flow
	var out []Binding
	for li, a := range fs.active {
		byExpr := map[int]*Binding{}
		var order []int
		for _, e := range fs.edges[li] {
			f := s.net.flowOn(e)
			if f == 0 {
				continue
			}
			i := fs.obsOf[s.net.to[e]]
			expr := a.n.leaf
			if a.n.from != nil {
				expr = a.n.from[i]
			}
			if byExpr[expr] == nil {
				byExpr[expr] = &Binding{Expression: expr, Copy: a.n.label}
				order = append(order, expr)
			}
			b := byExpr[expr]
			b.Observations = append(b.Observations, Bound{Index: int(i), ID: s.obs[i].ID, Count: f})
		}
		for _, expr := range order {
			b := byExpr[expr]
			slices.SortFunc(b.Observations, func(x, y Bound) int { return cmp.Compare(x.Index, y.Index) })
			out = append(out, *b)
		}
	}
	slices.SortFunc(out, func(x, y Binding) int {
		if c := cmp.Compare(x.Expression, y.Expression); c != 0 {
			return c
		}
		return compareLabels(x.Copy, y.Copy)
	})
	return out
}

// compareLabels orders copy labels numerically, part by part.
func compareLabels(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}
