package match

import (
	"sort"
	"sync"
)

// PatternProblem is a STIX pattern that could not be evaluated: an
// observation held a value it cannot be compared with (a *DataError), or
// the evaluation ran out of its work limits (ErrTooComplex). Each failed
// evaluation counted as no match, so the problem must be reported: the
// pattern may have matched.
type PatternProblem struct {
	Indicator string // the indicator's ID; empty when an inventory item could not be seen as STIX at all
	Count     int64  // evaluations that failed
	Err       string // the first failure
}

// stixProblems gathers PatternProblems by indicator index (-1: an
// observation that could not be built); safe for concurrent use, since
// files are matched on every core.
type stixProblems struct {
	mu sync.Mutex
	m  map[int]*PatternProblem
}

func (p *stixProblems) add(s *Set, ind int, err error) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pp := p.m[ind]
	if pp == nil {
		if p.m == nil {
			p.m = map[int]*PatternProblem{}
		}
		pp = &PatternProblem{Err: err.Error()}
		if ind >= 0 {
			pp.Indicator = s.in.Indicators[ind].ID
		}
		p.m[ind] = pp
	}
	pp.Count++
}

// TakePatternProblems returns the STIX patterns that failed to evaluate
// since the last call, by indicator, and forgets them: a scan takes them
// after matching each root, so each snapshot reports its own.
func (s *Set) TakePatternProblems() []PatternProblem {
	p := s.stix.problems
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PatternProblem, 0, len(p.m))
	for _, pp := range p.m {
		out = append(out, *pp)
	}
	p.m = nil
	sort.Slice(out, func(i, j int) bool { return out[i].Indicator < out[j].Indicator })
	return out
}
