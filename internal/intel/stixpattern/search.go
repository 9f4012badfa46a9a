package stixpattern

import (
	"context"
	"slices"
	"time"
)

// The search decides, depth first, which OR branch to take and where to
// anchor each FOLLOWEDBY and WITHIN in time; every decision narrows the
// observations the leaves below may use. After each decision a max-flow
// check asks whether the leaves decided so far can still be bound to
// different observation instances; if not, the branch is abandoned.
//
// Anchors make the temporal qualifiers exact filters. With the reference
// matcher's optimistic reading of observation times:
//   - WITHIN d holds for a set of observations iff max(first_observed) <=
//     min(last_observed) + d, i.e. iff for t = min(last_observed) every
//     observation has last_observed >= t and first_observed <= t + d;
//   - a FOLLOWEDBY b holds iff max(first_observed over a) <= min(last_observed
//     over b), i.e. iff for t = max(first_observed over a) every observation of
//     a has first_observed <= t and every observation of b last_observed >= t.
// So it suffices to try t among the observations' own timestamps.

// filter bounds the observations a subtree may use.
type filter struct {
	lastLo, firstHi time.Time
	hasLo, hasHi    bool
}

func (f filter) admits(o *Observation) bool {
	return (!f.hasLo || !o.LastObserved.Before(f.lastLo)) && (!f.hasHi || !o.FirstObserved.After(f.firstHi))
}

func (f filter) withLo(t time.Time) filter {
	if !f.hasLo || t.After(f.lastLo) {
		f.lastLo, f.hasLo = t, true
	}
	return f
}

func (f filter) withHi(t time.Time) filter {
	if !f.hasHi || t.Before(f.firstHi) {
		f.firstHi, f.hasHi = t, true
	}
	return f
}

type frame struct {
	n *pnode
	f filter
}

// choice is the option taken at a decision: an OR branch or an anchor.
type choice struct {
	idx int
	t   time.Time
}

func (c choice) less(o choice) bool {
	if c.t.Equal(o.t) {
		return c.idx < o.idx
	}
	return c.t.Before(o.t)
}

type option struct {
	frames []frame
	c      choice
}

type searcher struct {
	ctx    context.Context
	obs    []Observation
	lim    Limits
	steps  int
	net    flowNet
	chosen map[[2]int]choice
	flow   flowState
}

func (s *searcher) dfs(pending []frame, active []frame) (bool, error) {
	if s.steps++; s.steps > s.lim.MaxSteps || s.net.work > s.lim.MaxFlowWork {
		return false, ErrTooComplex
	}
	if s.steps%64 == 0 {
		if err := s.ctx.Err(); err != nil {
			return false, err
		}
	}
	active = slices.Clip(active)
	var decisions []frame
	stack := slices.Clone(pending)
	for len(stack) > 0 {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch fr.n.kind {
		case pLeaf:
			active = append(active, fr)
		case pAnd:
			for i := len(fr.n.kids) - 1; i >= 0; i-- {
				stack = append(stack, frame{fr.n.kids[i], fr.f})
			}
		default:
			decisions = append(decisions, fr)
		}
	}
	// The leaves below undecided FOLLOWEDBY and WITHIN nodes will be bound
	// whatever is decided, within at least the filters known now: checking
	// them too prunes hopeless branches early. Leaves below an undecided OR
	// may never be needed and are left out.
	check := active
	for _, d := range decisions {
		check = s.relax(check, d)
	}
	if !s.feasible(check) {
		return false, nil
	}
	if len(decisions) == 0 {
		return true, nil
	}
	pick, opts := s.choose(decisions)
	if pick < 0 {
		return false, nil
	}
	key := decisions[pick].n
	rest := slices.Delete(slices.Clone(decisions), pick, pick+1)
	for _, o := range opts {
		if !s.inOrder(key, o.c) {
			continue
		}
		s.record(key, o.c, true)
		ok, err := s.dfs(append(slices.Clone(rest), o.frames...), active)
		s.record(key, o.c, false)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// choose picks the eligible decision with the fewest options, deciding the
// copies of REPEATS groups first: their order bounds the copies still
// undecided (see relax), which prunes more than any inner decision.
func (s *searcher) choose(decisions []frame) (int, []option) {
	keys := false
	for _, d := range decisions {
		keys = keys || (d.n.group > 0 && s.eligible(d.n))
	}
	eligible := 0
	for _, d := range decisions {
		if s.eligible(d.n) {
			eligible++
		}
	}
	best := -1
	var bestOpts []option
	for i, d := range decisions {
		// Eligibility only orders the copies of a group; should no decision
		// be eligible, any may go (inOrder then has nothing to compare).
		if (eligible > 0 && !s.eligible(d.n)) || (keys && d.n.group == 0) {
			continue
		}
		opts := s.options(d)
		if best < 0 || len(opts) < len(bestOpts) {
			best, bestOpts = i, opts
		}
		if len(opts) <= 1 {
			break
		}
	}
	return best, bestOpts
}

// eligible holds copy k of a REPEATS group back until copy k-1 is decided.
func (s *searcher) eligible(n *pnode) bool {
	if n.group == 0 || n.copy == 0 {
		return true
	}
	_, ok := s.chosen[[2]int{n.group, n.copy - 1}]
	return ok
}

// inOrder requires the copies of a group to choose in non-decreasing order.
func (s *searcher) inOrder(n *pnode, c choice) bool {
	if n.group == 0 || n.copy == 0 {
		return true
	}
	return !c.less(s.chosen[[2]int{n.group, n.copy - 1}])
}

func (s *searcher) record(n *pnode, c choice, set bool) {
	if n.group == 0 {
		return
	}
	if set {
		s.chosen[[2]int{n.group, n.copy}] = c
	} else {
		delete(s.chosen, [2]int{n.group, n.copy})
	}
}

// relax adds to check the leaves every outcome of decision d will bind,
// with the bounds known now. Copies of a REPEATS group decide in
// non-decreasing order, so an undecided copy's anchor is at least the last
// decided one: all its observations (WITHIN), or those of its right-hand
// side (FOLLOWEDBY), have last_observed at or after that anchor.
func (s *searcher) relax(check []frame, d frame) []frame {
	bound, ok := s.groupBound(d.n)
	add := func(n *pnode, f filter) {
		for _, l := range requiredLeaves(n) {
			check = append(check, frame{l, f})
		}
	}
	switch {
	case ok && d.n.kind == pWithin:
		add(d.n, d.f.withLo(bound))
	case ok && d.n.kind == pFB:
		add(d.n.kids[0], d.f)
		add(d.n.kids[1], d.f.withLo(bound))
	default:
		add(d.n, d.f)
	}
	return check
}

// groupBound returns the anchor of the latest decided earlier copy in n's
// group.
func (s *searcher) groupBound(n *pnode) (time.Time, bool) {
	if n.group == 0 || n.kind == pOr {
		return time.Time{}, false
	}
	for c := n.copy - 1; c >= 0; c-- {
		if ch, ok := s.chosen[[2]int{n.group, c}]; ok {
			return ch.t, true
		}
	}
	return time.Time{}, false
}
