package match

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// stixIndex holds the compiled STIX patterns. A pattern over one
// observation (one [ ] expression, no qualifiers) is evaluated per
// inventory row, and only on rows that carry one of its equality keys
// (or on every row when it has none); other patterns are evaluated once
// over the whole snapshot.
type stixIndex struct {
	rules  []stixRule
	paths  map[string]bool  // object paths some single-observation rule keys on
	byKey  map[string][]int // path + "\x00" + value → single-observation rules
	always map[string][]int // single-observation rules without keys, by object type
	multi  []int            // rules needing several observations
	// problems are the evaluations that failed; set once a rule exists.
	problems *stixProblems
}

type stixRule struct {
	p   *stixpattern.Pattern
	ind int
}

func (x *stixIndex) add(ind int, pattern string) error {
	p, err := stixpattern.Parse(pattern)
	if err != nil {
		return err
	}
	if x.byKey == nil {
		x.byKey = map[string][]int{}
		x.problems = &stixProblems{}
	}
	ri := len(x.rules)
	x.rules = append(x.rules, stixRule{p: p, ind: ind})
	if !SingleObservation(p) {
		x.multi = append(x.multi, ri)
		return nil
	}
	keys, _ := p.IndexKeys()
	if keys == nil {
		if x.always == nil {
			x.always = map[string][]int{}
		}
		for _, t := range p.ObjectTypes() {
			x.always[t] = append(x.always[t], ri)
		}
		return nil
	}
	if x.paths == nil {
		x.paths = map[string]bool{}
	}
	for _, k := range keys {
		x.paths[k.Path.String()] = true
		ks := stixKey(k.Path.String(), k.Value)
		if !contains(x.byKey[ks], ri) {
			x.byKey[ks] = append(x.byKey[ks], ri)
		}
	}
	return nil
}

// SingleObservation reports a pattern one observation can satisfy: the
// patterns evaluated row by row (at ingest, and by retro-hunts).
func SingleObservation(p *stixpattern.Pattern) bool {
	if len(p.ObservationExpressions()) != 1 {
		return false
	}
	s := p.String()
	return !strings.Contains(s, " REPEATS ") && !strings.Contains(s, " WITHIN ") && !strings.Contains(s, " FOLLOWEDBY ")
}

func stixKey(path, value string) string { return path + "\x00" + value }

// row is one inventory record seen as STIX: its index keys and a way to
// build its observation when some rule needs it.
type row struct {
	keys  []string
	types []string // the STIX object types the row's observation holds
	build func() (stixpattern.Observation, error)
}

// wantPath reports whether some rule keys on an object path, so rows only
// compute the keys that can hit.
func (x *stixIndex) wantPath(path string) bool { return x.paths[path] }

// active reports whether any single-observation rule exists.
func (x *stixIndex) active() bool { return len(x.rules) > len(x.multi) }

// matchRow evaluates the single-observation rules that can apply to the
// row and adds a reason for each match.
func (s *Set) matchRow(rs *reasons, r row, at time.Time) {
	x := &s.stix
	var cand []int
	for _, k := range r.keys {
		cand = append(cand, x.byKey[k]...)
	}
	for _, t := range r.types {
		cand = append(cand, x.always[t]...)
	}
	if len(cand) == 0 {
		return
	}
	obs, err := r.build()
	if err != nil {
		x.problems.add(s, -1, err)
		return
	}
	one := []stixpattern.Observation{obs}
	done := map[int]bool{}
	for _, ri := range cand {
		if done[ri] {
			continue
		}
		done[ri] = true
		res, err := x.rules[ri].p.Evaluate(context.Background(), one)
		switch {
		case err != nil:
			x.problems.add(s, x.rules[ri].ind, err)
		case res.Matched:
			rs.add(s, x.rules[ri].ind, "", at)
		}
	}
}

// NeedsWholeSnapshot reports whether some intel can only be matched with
// the whole snapshot at hand (patterns over several observations); without
// it, files can be matched one by one as they are collected.
func (s *Set) NeedsWholeSnapshot() bool { return len(s.stix.multi) > 0 }

// stixCompileError names the indicator whose pattern did not compile.
func stixCompileError(ind *intel.Indicator, err error) error {
	return fmt.Errorf("stix pattern of %s: %w", ind.ID, err)
}
