package yara

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// maxPrefix is the most leading positions a pattern's prefix filter
// checks before the pattern itself is run.
const maxPrefix = 8

// prefixSets returns, for the first positions of every possible match
// of n, a set the byte there must lie in: sets[i] holds for data[start+i]
// of any match starting at start. It is a necessary condition only,
// checked before the backtracking matcher is started at a candidate, so
// a weak atom (one common byte) costs a few byte tests per false
// candidate rather than a matcher run.
func prefixSets(n *regex.Node) []regex.Set {
	out, _ := prefixOf(n, maxPrefix)
	return out
}

// prefixOf returns the fixed prefix of n (at most k positions) and
// whether it is the whole of n: n matches exactly len(prefix) bytes, so
// what follows n in a concatenation continues the prefix.
func prefixOf(n *regex.Node, k int) ([]regex.Set, bool) {
	switch n.Op {
	case regex.OpClass:
		if k <= 0 {
			return nil, false
		}
		return []regex.Set{n.Set}, true
	case regex.OpEmpty, regex.OpBegin, regex.OpEnd, regex.OpWordB, regex.OpNotWordB:
		return nil, true // zero width: the next element sits at the same offset
	case regex.OpConcat:
		var out []regex.Set
		for _, s := range n.Subs {
			p, full := prefixOf(s, k-len(out))
			out = append(out, p...)
			if !full {
				return out, false
			}
		}
		return out, true
	case regex.OpRepeat:
		var out []regex.Set
		for i := 0; i < n.Min; i++ {
			if len(out) >= k {
				return out, false
			}
			p, full := prefixOf(n.Subs[0], k-len(out))
			out = append(out, p...)
			if !full {
				return out, false
			}
		}
		if n.Max != n.Min {
			// More copies may follow, each of at least zero bytes: the
			// prefix stops here unless a copy is always empty.
			lo, hi := n.Subs[0].MinMaxLen()
			return out, lo == 0 && hi == 0
		}
		return out, true
	case regex.OpAlt:
		if len(n.Subs) == 0 {
			return nil, false
		}
		var out []regex.Set
		full := true
		for i, s := range n.Subs {
			p, f := prefixOf(s, k)
			if i == 0 {
				out = append(out, p...)
			} else {
				if len(p) != len(out) {
					full = false
				}
				out = out[:min(len(out), len(p))]
				for j := range out {
					out[j].Union(p[j])
				}
			}
			full = full && f
		}
		return out, full
	}
	return nil, false
}

// prefixOK reports whether data[start:] can begin a match with prefix
// sets sets.
func prefixOK(sets []regex.Set, data []byte, start int) bool {
	if start+len(sets) > len(data) {
		return false
	}
	d := data[start : start+len(sets)]
	for i := range sets {
		if !sets[i].Has(d[i]) {
			return false
		}
	}
	return true
}

// Windows: a byte a pattern requires at a bounded but variable offset
// (after a jump, `{ E8 ?? ?? ?? ?? [3-7] [1-6] 90 }`) is looked for in
// its window before the matcher runs, the most selective few of them.
const (
	maxWindows      = 3
	maxWindowSpread = 64
	maxWindowSet    = 64 // members; a wider class rejects too little
)

// window is a necessary condition of a match starting at start: some
// byte of data[start+lo : start+hi+1] lies in set.
type window struct {
	set    regex.Set
	single int16 // the set's only byte, or -1
	lo, hi int32
}

// windowChecks lists the windows of pattern n whose atom is a: single
// byte classes at a bounded offset range that neither the prefix
// (fixed offsets below nprefix) nor the atom itself already checks.
func windowChecks(n *regex.Node, a atom, nprefix int) []window {
	var els []elem
	flatten(n, 0, 0, &els)
	alen := len(a.variants[0])
	var out []window
	for _, e := range els {
		if !e.isByte || e.hi < 0 || e.hi-e.lo > maxWindowSpread {
			continue
		}
		if e.lo == e.hi && e.lo < nprefix {
			continue
		}
		if k := e.lo - a.lo; k >= 0 && k < alen && e.hi-a.hi == k {
			continue // one of the atom's own bytes
		}
		m := e.set.Len()
		if m > maxWindowSet {
			continue
		}
		w := window{set: e.set, single: -1, lo: int32(e.lo), hi: int32(e.hi)}
		if m == 1 {
			w.single = int16(e.set.Members()[0])
		}
		out = append(out, w)
	}
	// Most selective first: fewest bytes, then the narrowest window.
	sort.SliceStable(out, func(i, j int) bool {
		li, lj := out[i].set.Len(), out[j].set.Len()
		if li != lj {
			return li < lj
		}
		return out[i].hi-out[i].lo < out[j].hi-out[j].lo
	})
	if len(out) > maxWindows {
		out = out[:maxWindows]
	}
	return out
}

// windowsOK reports whether every window of ws holds one of its bytes
// for a match starting at start.
func windowsOK(ws []window, data []byte, start int) bool {
	for i := range ws {
		w := &ws[i]
		lo, hi := start+int(w.lo), start+int(w.hi)+1
		if lo >= len(data) {
			return false
		}
		hi = min(hi, len(data))
		if w.single >= 0 {
			if bytes.IndexByte(data[lo:hi], byte(w.single)) < 0 {
				return false
			}
			continue
		}
		found := false
		for _, b := range data[lo:hi] {
			if w.set.Has(b) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// literalKey identifies a literal form for sharing its verification
// between strings: equal keys match at the same offsets with the same
// lengths.
func literalKey(s *yr.String, l *yr.Literal) string {
	return fmt.Sprintf("L%t%t%t%q", s.Fullword, l.Nocase, l.Wide, l.Bytes)
}

// patternKey is literalKey for a pattern form (hex string or regular
// expression): the tree, the wideness, the match length limit and
// fullword.
func patternKey(s *yr.String, p *yr.Pattern) string {
	b := fmt.Appendf(nil, "P%t%t%d:", s.Fullword, p.Wide, p.Limit)
	return string(nodeKey(b, p.Node))
}

func nodeKey(b []byte, n *regex.Node) []byte {
	// Binary and prefix-free: op, set, bounds, flags, then the number of
	// subtrees and each of them (a rule set has millions of nodes, and
	// formatting them as text was a fifth of compiling signature-base).
	b = append(b, byte(n.Op))
	if n.Op == regex.OpClass {
		for _, w := range n.Set {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	b = binary.AppendVarint(b, int64(n.Min))
	b = binary.AppendVarint(b, int64(n.Max))
	var flags byte
	if n.Greedy {
		flags |= 1
	}
	if n.Wide {
		flags |= 2
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(n.Subs)))
	for _, s := range n.Subs {
		b = nodeKey(b, s)
	}
	return b
}
