package yara

import (
	"context"
	"errors"
	"fmt"
)

// ErrTimeout is returned when evaluating conditions outlasts the
// context's deadline or its step budget.
var ErrTimeout = errors.New("yara: condition evaluation exceeded its time budget")

// maxEvalSteps bounds the loop iterations of one evaluation.
const maxEvalSteps = 1 << 26

type evalFn func(*evalCtx) value

// noGates makes Evaluate evaluate every rule (tests compare the two).
var noGates = false

// ScanData is what conditions are evaluated over.
type ScanData struct {
	Data []byte
	// Matches[i] are the matches of Rules.Strings[i], by offset.
	Matches [][]Match
	// Hit, when not nil, lists the strings with matches (in any order),
	// so Evaluate need not look through all of Matches.
	Hit []int32
	// Entrypoint is the file offset of the PE or ELF entry point.
	Entrypoint    int64
	HasEntrypoint bool
	// Externals override the defaults given to the compiler.
	Externals map[string]any
	// Log receives the console module's messages, in evaluation order;
	// nil drops them.
	Log func(msg string)
	// ModuleErrors collects what module parsers could not read in this
	// file (a module that fails leaves its values undefined).
	ModuleErrors []error
}

type evalCtx struct {
	ctx     context.Context
	in      *ScanData
	rules   *Rules
	results []bool
	vars    []value
	cur     []int // current strings of enclosing for-of loops
	steps   int64
	err     error
	mods    map[string]mobj
}

// tick counts one loop step; it reports false when the budget or the
// deadline is exhausted.
func (e *evalCtx) tick() bool {
	if e.err != nil {
		return false
	}
	e.steps++
	if e.steps > maxEvalSteps {
		e.err = ErrTimeout
		return false
	}
	if e.steps&0xffff == 0 && e.ctx.Err() != nil {
		e.err = fmt.Errorf("%w: %w", ErrTimeout, e.ctx.Err())
		return false
	}
	return true
}

// Evaluate evaluates every rule over in and returns which matched, by
// index in r.Rules, global rules applied (a false global rule makes
// every rule of its namespace false). Private rules are evaluated too;
// callers decide whether to report them.
func (r *Rules) Evaluate(ctx context.Context, in *ScanData) ([]bool, error) {
	e := &evalCtx{ctx: ctx, in: in, rules: r, results: make([]bool, len(r.Rules))}
	e.mods = map[string]mobj{}
	// A gated rule is evaluated only when its gate groups hold (one of
	// the first group's strings matched, found through gatedBy, then the
	// groups counted); otherwise it is false as it stands.
	maybe := make([]bool, len(r.Rules))
	mark := func(g int) {
		if g < len(r.gatedBy) {
			for _, ri := range r.gatedBy[g] {
				maybe[ri] = true
			}
		}
	}
	if in.Hit != nil {
		for _, g := range in.Hit {
			mark(int(g))
		}
	} else {
		for g, ms := range in.Matches {
			if len(ms) > 0 {
				mark(g)
			}
		}
	}
	for i, rule := range r.Rules {
		if rule.groups != nil && !noGates && (!maybe[i] || !gateHolds(rule.groups, in.Matches)) {
			continue
		}
		e.results[i] = rule.cond(e).truth()
		if e.err != nil {
			return nil, fmt.Errorf("rule %s: %w", rule.Name, e.err)
		}
	}
	if !r.hasGlobal {
		return e.results, nil
	}
	failed := map[string]bool{}
	for i, rule := range r.Rules {
		if rule.Global && !e.results[i] {
			failed[rule.Namespace] = true
		}
	}
	for i, rule := range r.Rules {
		if failed[rule.Namespace] {
			e.results[i] = false
		}
	}
	return e.results, nil
}

func (e *evalCtx) matches(g int) []Match {
	if g < 0 {
		g = e.cur[len(e.cur)-1]
	}
	if g < len(e.in.Matches) {
		return e.in.Matches[g]
	}
	return nil
}

func (e *evalCtx) external(name string) any {
	if v, ok := e.in.Externals[name]; ok {
		return v
	}
	return e.rules.externals[name]
}

func anyToValue(v any) value {
	switch x := v.(type) {
	case int64:
		return vInt(x)
	case int:
		return vInt(int64(x))
	case float64:
		return vFloat(x)
	case string:
		return vStr(x)
	case bool:
		return vBool(x)
	}
	return undef
}

func typeOf(v any) typ {
	switch v.(type) {
	case int64, int:
		return tInt
	case float64:
		return tFloat
	case string:
		return tStr
	case bool:
		return tBool
	}
	return tUndef
}
