package yara

import (
	"context"
	"errors"
	"fmt"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// scanState is one scan's working state.
type scanState struct {
	s       *Scanner
	data    []byte
	matches [][]yr.Match
	re      regex.Matcher
	err     error
	// forms holds, for a string with several forms, the form of each of
	// its matches (aligned with matches), so that sortDedupForms can keep
	// the earlier form's match where two share an offset.
	forms map[int32][]int32
	// slowHit[i]: the presence atom of s.slow[i] occurred.
	slowHit []bool
	// hit are the strings with at least one match, in no order.
	hit []int32
}

// ctxCheckBytes is how often (in bytes scanned) the deadline is checked.
const ctxCheckBytes = 1 << 20

func (st *scanState) run(ctx context.Context) error {
	ac := st.s.ac
	hit := func(ids []int32, end int) {
		if st.err != nil {
			return // the scan has failed; the chunk's end reports it
		}
		for _, id := range ids {
			st.verify(&st.s.entries[id], end)
		}
	}
	state := uint32(0)
	for base := 0; base < len(st.data); base += ctxCheckBytes {
		if ctx.Err() != nil {
			return fmt.Errorf("yara: scan: %w", ctx.Err())
		}
		chunk := st.data[base:min(base+ctxCheckBytes, len(st.data))]
		if ac.next16 != nil {
			state = scan(ac.next16, ac.firstHit, ac.out, chunk, base, state, hit)
		} else {
			state = scan(ac.next32, ac.firstHit, ac.out, chunk, base, state, hit)
		}
		if st.err != nil {
			return st.err
		}
	}
	for i, sp := range st.s.slow {
		if sp.gated && (st.slowHit == nil || !st.slowHit[i]) {
			continue
		}
		if err := st.slowScan(ctx, sp); err != nil {
			return err
		}
	}
	return st.err
}

func (st *scanState) verify(e *entry, end int) {
	if e.slowGate != 0 {
		if st.slowHit == nil {
			st.slowHit = make([]bool, len(st.s.slow))
		}
		st.slowHit[e.slowGate-1] = true
		return
	}
	str := st.s.rules.Strings[e.str]
	if e.lit >= 0 {
		l := &str.Literals[e.lit]
		start := end - int(e.alen) - int(e.lo)
		if start >= 0 && start+len(l.Bytes) <= len(st.data) && equalAt(st.data[start:], l) &&
			(!str.Fullword || fullword(st.data, start, start+len(l.Bytes), l.Wide)) {
			st.addAll(e, start, len(l.Bytes))
		}
		return
	}
	p := &str.Patterns[e.pat]
	for off := int(e.lo); off <= int(e.hi); off++ {
		start := end - int(e.alen) - off
		if start < 0 {
			break
		}
		if !prefixOK(e.prefix, st.data, start) || !windowsOK(e.windows, st.data, start) {
			continue
		}
		if n, ok := st.tryPattern(int(e.str), p, start); ok {
			st.addAll(e, start, n)
		}
	}
}

// addAll records a match of e's form for every string that has it.
func (st *scanState) addAll(e *entry, start, n int) {
	st.add(int(e.str), start, n, e.form())
	for _, r := range e.also {
		st.add(int(r.str), start, n, r.form)
	}
}

// tryPattern runs pattern p of string si at start and returns the
// match's length.
func (st *scanState) tryPattern(si int, p *yr.Pattern, start int) (int, bool) {
	var accept func(int) bool
	if st.s.rules.Strings[si].Fullword {
		if wordBefore(st.data, start, p.Wide) {
			return 0, false
		}
		accept = func(end int) bool { return !wordAfter(st.data, end, p.Wide) }
	}
	st.re.SetBudget(attemptSteps)
	mEnd, ok, err := st.re.MatchAtFunc(p.Prog, st.data, start, p.Limit, accept)
	if err != nil {
		st.err = fmt.Errorf("yara: string %s: %w", st.s.rules.Strings[si].Name, err)
		if errors.Is(err, regex.ErrCanceled) {
			st.err = fmt.Errorf("%w: %w", yr.ErrTimeout, st.err)
		}
		return 0, false
	}
	if ok {
		return mEnd - start, true
	}
	return 0, false
}

func (st *scanState) slowScan(ctx context.Context, sp slowPattern) error {
	p := &st.s.rules.Strings[sp.str].Patterns[sp.pat]
	for i := 0; i <= len(st.data); i++ {
		if i < len(st.data) && !sp.first.Has(st.data[i]) {
			continue
		}
		if n, ok := st.tryPattern(sp.str, p, i); ok {
			st.add(sp.str, i, n, int32(sp.pat))
		}
		if st.err != nil {
			return st.err
		}
		if i&(ctxCheckBytes-1) == 0 && ctx.Err() != nil {
			return fmt.Errorf("yara: scan: %w", ctx.Err())
		}
	}
	return nil
}

func (st *scanState) add(si, start, n int, form int32) {
	ms := st.matches[si]
	str := st.s.rules.Strings[si]
	multi := len(str.Literals)+len(str.Patterns) > 1 && !st.s.FastMode
	if len(ms) > 0 && ms[len(ms)-1].Off == int64(start) && multi {
		if fs := st.forms[int32(si)]; form < fs[len(fs)-1] {
			ms[len(ms)-1].Len, fs[len(fs)-1] = n, form
		}
		return
	}
	if len(ms) > 0 && (ms[len(ms)-1].Off == int64(start) || st.s.FastMode) {
		return
	}
	if len(ms) >= st.s.MaxMatches {
		st.err = ErrTooManyMatches{str.Name}
		return
	}
	if len(ms) == 0 {
		st.hit = append(st.hit, int32(si))
	}
	st.matches[si] = append(ms, yr.Match{Off: int64(start), Len: n})
	if multi {
		if st.forms == nil {
			st.forms = map[int32][]int32{}
		}
		st.forms[int32(si)] = append(st.forms[int32(si)], form)
	}
}

func fold(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func equalAt(data []byte, l *yr.Literal) bool {
	if !l.Nocase {
		return string(data[:len(l.Bytes)]) == string(l.Bytes)
	}
	for i, c := range l.Bytes {
		if fold(data[i]) != fold(c) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// fullword reports whether data[start:end] is delimited by
// non-alphanumeric bytes (for wide strings, wide characters).
func fullword(data []byte, start, end int, wide bool) bool {
	return !wordBefore(data, start, wide) && !wordAfter(data, end, wide)
}

func wordBefore(data []byte, start int, wide bool) bool {
	if wide {
		return start >= 2 && data[start-1] == 0 && isAlnum(data[start-2])
	}
	return start >= 1 && isAlnum(data[start-1])
}

func wordAfter(data []byte, end int, wide bool) bool {
	if wide {
		return end+1 < len(data) && data[end+1] == 0 && isAlnum(data[end])
	}
	return end < len(data) && isAlnum(data[end])
}

// firstSet is the set of bytes a match of n can start with (every byte
// when n can match empty or starts with an assertion).
func firstSet(n *regex.Node) regex.Set {
	var all regex.Set
	all.AddRange(0, 255)
	switch n.Op {
	case regex.OpClass:
		return n.Set
	case regex.OpConcat:
		if len(n.Subs) > 0 {
			if lo, _ := n.Subs[0].MinMaxLen(); lo > 0 {
				return firstSet(n.Subs[0])
			}
		}
	case regex.OpAlt:
		var s regex.Set
		for _, sub := range n.Subs {
			s.Union(firstSet(sub))
		}
		return s
	case regex.OpRepeat:
		if n.Min > 0 {
			return firstSet(n.Subs[0])
		}
	}
	return all
}
