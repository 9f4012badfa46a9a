// Package yara scans bytes with a compiled YARA rule set: every string's
// atoms go into one Aho–Corasick automaton, so the data is read once and
// all rules are evaluated in one pass; atom hits are verified against the
// full string, then the rules' conditions are evaluated over the matches.
package yara

import (
	"context"
	"fmt"
	"sort"
	"sync"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// Limits: matches per string (yara's), and the work one attempt to
// match a hex string or regular expression at one offset may take
// before the file's scan is abandoned with an error. The total is
// bounded by the deadline.
const (
	DefaultMaxMatches = 1000000
	attemptSteps      = 1 << 24
)

// Scanner holds a rule set compiled for scanning; it is immutable and
// safe for concurrent use (each scan gets its own Session).
type Scanner struct {
	rules   *yr.Rules
	ac      *automaton
	entries []entry
	// slow are patterns without a usable atom: tried at every offset
	// whose byte can start them.
	slow []slowPattern
	// MaxMatches caps the matches of one string in one file.
	MaxMatches int
	// FastMode records only the first match of each string (yara -f):
	// enough to decide most conditions, but #a and @a[2] see one match.
	FastMode bool
	// matchLists holds cleared per-string match tables for reuse (see
	// recycle): signature-base has 33,000 strings, a 790 KB table a
	// file, most of which no string ever fills.
	matchLists sync.Pool
}

// entry is one atom's meaning: a form (literal or pattern) of a string,
// and where the atom sits in it.
type entry struct {
	str int32
	// also are further strings with the same form (same bytes or
	// pattern, same modifiers): rule sets repeat strings, and each form
	// is verified once per candidate for all of them.
	also   []formRef
	lit    int32 // index in String.Literals, or -1
	pat    int32 // index in String.Patterns, or -1
	alen   int32
	lo, hi int32
	// prefix are the byte sets a pattern's match starts with (see
	// prefixSets), tested before the matcher runs.
	prefix []regex.Set
	// windows are bytes a pattern's match holds at a variable offset
	// (see windowChecks), tested after the prefix.
	windows []window
	// slowGate, when not 0, makes this a presence atom (see
	// presenceAtom) of s.slow[slowGate-1]: a hit marks that pattern as
	// worth trying and verifies nothing.
	slowGate int32
}

// formRef names one form of a string: the string and the form's index
// among its literals or patterns.
type formRef struct{ str, form int32 }

// form is the entry's index among its string's literals or patterns.
func (e *entry) form() int32 { return max(e.lit, e.pat) }

type slowPattern struct {
	str, pat int
	first    regex.Set
	// gated: the pattern has a presence atom, and is tried only in a
	// file where it occurred.
	gated bool
}

// New compiles rules for scanning.
func New(rules *yr.Rules) (*Scanner, error) {
	s := &Scanner{rules: rules, MaxMatches: DefaultMaxMatches}
	var atoms [][]byte
	var ids []int32
	seen := map[string]int{}
	add := func(a atom, e entry, key string) {
		if i, ok := seen[key]; ok {
			s.entries[i].also = append(s.entries[i].also, formRef{e.str, e.form()})
			return
		}
		seen[key] = len(s.entries)
		e.alen, e.lo, e.hi = int32(len(a.variants[0])), int32(a.lo), int32(a.hi)
		s.entries = append(s.entries, e)
		for _, v := range a.variants {
			atoms = append(atoms, v)
			ids = append(ids, int32(len(s.entries)-1))
		}
	}
	for si, str := range rules.Strings {
		for li, l := range str.Literals {
			add(literalAtom(l.Bytes, l.Nocase), entry{str: int32(si), lit: int32(li), pat: -1}, literalKey(str, &l))
		}
		for pi, p := range str.Patterns {
			if a, ok := patternAtom(p.Node); ok {
				prefix := prefixSets(p.Node)
				add(a, entry{str: int32(si), lit: -1, pat: int32(pi), prefix: prefix,
					windows: windowChecks(p.Node, a, len(prefix))}, patternKey(str, &p))
				continue
			}
			sp := slowPattern{str: si, pat: pi, first: firstSet(p.Node)}
			if vs, ok := presenceAtom(p.Node); ok {
				sp.gated = true
				add(atom{variants: vs}, entry{str: int32(si), lit: -1, pat: int32(pi), slowGate: int32(len(s.slow) + 1)},
					fmt.Sprintf("presence\x00%d", len(s.slow)))
			}
			s.slow = append(s.slow, sp)
		}
	}
	ac, err := buildAutomaton(atoms, ids)
	if err != nil {
		return nil, err
	}
	s.ac = ac
	return s, nil
}

// Rules returns the rule set the scanner runs.
func (s *Scanner) Rules() *yr.Rules { return s.rules }

// Result is the outcome of one scan.
type Result struct {
	// Matched[i] reports whether Rules().Rules[i] matched (private
	// rules included; global rules applied).
	Matched []bool
	// Matches[i] are the matches of Rules().Strings[i], by offset.
	Matches [][]yr.Match
	Data    []byte
	// Console holds the console module's messages in evaluation order.
	Console []string
	// ModuleErrors are what module parsers could not read in this file
	// (their values are undefined; the scan went on).
	ModuleErrors []error
	hit          []int32 // the strings with matches
}

// MatchingRules lists the indices of the matched rules that are not
// private, in rule order.
func (r *Result) MatchingRules(rules *yr.Rules) []int {
	var out []int
	for i, m := range r.Matched {
		if m && !rules.Rules[i].Private {
			out = append(out, i)
		}
	}
	return out
}

// ScanBytes scans data (the whole file) and evaluates every rule.
func (s *Scanner) ScanBytes(ctx context.Context, data []byte) (*Result, error) {
	return s.ScanBytesWith(ctx, data, nil)
}

// ScanBytesWith is ScanBytes with values for external variables, which
// override the defaults the rules were compiled with.
func (s *Scanner) ScanBytesWith(ctx context.Context, data []byte, externals map[string]any) (*Result, error) {
	var matches [][]yr.Match
	if p, _ := s.matchLists.Get().(*[][]yr.Match); p != nil {
		matches = *p
	} else {
		matches = make([][]yr.Match, len(s.rules.Strings))
	}
	st := &scanState{s: s, data: data, matches: matches}
	st.re.Done = ctx.Done()
	if err := st.run(ctx); err != nil {
		return nil, err
	}
	for _, i := range st.hit {
		if f, ok := st.forms[i]; ok {
			st.matches[i] = sortDedupForms(st.matches[i], f)
			continue
		}
		st.matches[i] = sortDedup(st.matches[i])
	}
	ep, hasEP := entryPoint(data)
	res := &Result{Matches: st.matches, Data: data, hit: st.hit}
	hit := st.hit
	if hit == nil {
		hit = []int32{}
	}
	in := &yr.ScanData{Data: data, Matches: st.matches, Hit: hit, Entrypoint: ep, HasEntrypoint: hasEP, Externals: externals,
		Log: func(msg string) { res.Console = append(res.Console, msg) }}
	matched, err := s.rules.Evaluate(ctx, in)
	if err != nil {
		s.recycle(res)
		return nil, err
	}
	res.Matched, res.ModuleErrors = matched, in.ModuleErrors
	return res, nil
}

// recycle takes back a result's match table once its caller is done
// with it (ScanTarget after report returns, Ruleset.Scan after making
// its records); res.Matches is nil afterwards.
func (s *Scanner) recycle(res *Result) {
	if res == nil || res.Matches == nil {
		return
	}
	table := res.Matches
	for _, i := range res.hit {
		table[i] = nil
	}
	s.matchLists.Put(&table)
	res.Matches, res.hit = nil, nil
}

func sortDedup(ms []yr.Match) []yr.Match {
	if len(ms) < 2 {
		return ms
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Off < ms[j].Off })
	out := ms[:1]
	for _, m := range ms[1:] {
		if m.Off != out[len(out)-1].Off {
			out = append(out, m)
		}
	}
	return out
}

// sortDedupForms is sortDedup for a string with several forms (ascii and
// wide, say) where two may match at one offset with different lengths:
// the earlier form's match is kept there, as yara, which tries a
// string's forms in order, reports it. forms[i] is the form of ms[i].
func sortDedupForms(ms []yr.Match, forms []int32) []yr.Match {
	if len(ms) < 2 {
		return ms
	}
	idx := make([]int, len(ms))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := ms[idx[a]], ms[idx[b]]
		if x.Off != y.Off {
			return x.Off < y.Off
		}
		return forms[idx[a]] < forms[idx[b]]
	})
	out := make([]yr.Match, 0, len(ms))
	for _, i := range idx {
		if len(out) == 0 || ms[i].Off != out[len(out)-1].Off {
			out = append(out, ms[i])
		}
	}
	return out
}

// ErrTooManyMatches is returned when a string matches more often than
// the scanner's MaxMatches.
type ErrTooManyMatches struct{ String string }

func (e ErrTooManyMatches) Error() string {
	return fmt.Sprintf("yara: string %s has too many matches", e.String)
}
