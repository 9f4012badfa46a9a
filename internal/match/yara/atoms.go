package yara

import (
	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
)

// maxAtom is the longest atom fed to the automaton.
const maxAtom = 4

// maxAtomVariants bounds the byte combinations one atom expands to
// (nocase letters, small classes).
const maxAtomVariants = 16

// maxStartSpread bounds how many start offsets one atom hit may imply.
const maxStartSpread = 64

// atom is a short byte sequence whose presence a match requires, found
// between offsets Lo and Hi from the match start.
type atom struct {
	variants [][]byte
	lo, hi   int
}

// byteQuality scores one byte as part of an atom: common filler bytes
// are poor atoms.
func byteQuality(set *regex.Set) int {
	n := set.Len()
	if n > 1 {
		if n > 2 {
			return 0
		}
		return 14 // a case pair
	}
	switch b := set.Members()[0]; b {
	case 0x00, 0xff, 0x20, 0xcc, 0x90:
		return 6
	default:
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' {
			return 18
		}
		return 20
	}
}

// bestRun picks the best window of at most maxAtom consecutive classes.
func bestRun(sets []regex.Set) (start, length, score int) {
	score = -1
	for i := range sets {
		q, variants := 0, 1
		for j := i; j < len(sets) && j-i < maxAtom; j++ {
			n := sets[j].Len()
			if n > 2 || variants*n > maxAtomVariants {
				break
			}
			variants *= n
			q += byteQuality(&sets[j])
			if j > i && sets[j] == sets[j-1] {
				q -= 8 // repeated bytes are common
			}
			if q > score {
				start, length, score = i, j-i+1, q
			}
		}
	}
	return start, length, score
}

func expand(sets []regex.Set) [][]byte {
	out := [][]byte{nil}
	for _, s := range sets {
		var next [][]byte
		for _, prefix := range out {
			for _, b := range s.Members() {
				v := append(append([]byte(nil), prefix...), b)
				next = append(next, v)
			}
		}
		out = next
	}
	return out
}

// literalAtom picks an atom from a text string form.
func literalAtom(b []byte, nocase bool) atom {
	sets := make([]regex.Set, len(b))
	for i, c := range b {
		sets[i].Add(c)
		if nocase {
			sets[i].FoldCase()
		}
	}
	s, n, _ := bestRun(sets)
	return atom{variants: expand(sets[s : s+n]), lo: s, hi: s}
}

// elem is one flattened element of a pattern with its offset range.
type elem struct {
	set    regex.Set
	isByte bool
	lo, hi int
	node   *regex.Node // an element that is not one byte (an alternation, say)
}

// flatten lists the pattern's leading elements with their offsets from
// the match start; offsets stop being tracked once unbounded.
func flatten(n *regex.Node, lo, hi int, out *[]elem) (int, int) {
	switch n.Op {
	case regex.OpConcat:
		for _, s := range n.Subs {
			lo, hi = flatten(s, lo, hi, out)
		}
		return lo, hi
	case regex.OpClass:
		*out = append(*out, elem{set: n.Set, isByte: true, lo: lo, hi: hi})
		return lo + 1, addHi(hi, 1)
	case regex.OpRepeat:
		if n.Min == n.Max && n.Min <= maxAtom && n.Subs[0].Op == regex.OpClass {
			for i := 0; i < n.Min; i++ {
				lo, hi = flatten(n.Subs[0], lo, hi, out)
			}
			return lo, hi
		}
		if n.Min >= 1 && n.Subs[0].Op != regex.OpClass {
			// A group repeated at least once: its first time round is
			// where it stands, the rest follow it.
			lo, hi = flatten(n.Subs[0], lo, hi, out)
			a, b := n.Subs[0].MinMaxLen()
			if n.Max < 0 || b < 0 {
				return lo + (n.Min-1)*a, -1
			}
			return lo + (n.Min-1)*a, addHi(hi, (n.Max-1)*b)
		}
	}
	a, b := n.MinMaxLen()
	*out = append(*out, elem{lo: lo, hi: hi, node: n})
	if b < 0 {
		return lo + a, -1
	}
	return lo + a, addHi(hi, b)
}

func addHi(hi, n int) int {
	if hi < 0 {
		return -1
	}
	return hi + n
}

// patternAtom picks an atom of a hex string or regular expression; ok
// is false when the pattern has none usable (every offset must be tried).
func patternAtom(n *regex.Node) (atom, bool) {
	a, score := patternAtomScore(n, 0)
	return a, score >= minAtomScore
}

// minAtomScore is the least quality an atom needs to be worth it.
const minAtomScore = 6

// maxAltVariants bounds the variants an alternation's atom gathers from
// its branches; maxAltDepth bounds how deep alternations are searched.
const (
	maxAltVariants = 64
	maxAltDepth    = 4
)

func patternAtomScore(n *regex.Node, depth int) (atom, int) {
	var els []elem
	flatten(n, 0, 0, &els)
	best, bestScore := atom{}, -1
	for i := 0; i < len(els); {
		j := i
		for j < len(els) && els[j].isByte && els[j].lo-els[i].lo == j-i && els[j].hi >= 0 && els[j].hi-els[i].hi == j-i {
			j++
		}
		if j == i {
			i++
			continue
		}
		sets := make([]regex.Set, j-i)
		for k := range sets {
			sets[k] = els[i+k].set
		}
		s, l, score := bestRun(sets)
		spread := els[i+s].hi - els[i+s].lo
		if l > 0 && spread <= maxStartSpread {
			score -= spread / 4
			if score > bestScore {
				bestScore = score
				best = atom{variants: expand(sets[s : s+l]), lo: els[i+s].lo, hi: els[i+s].hi}
			}
		}
		i = j
	}
	// An alternation whose every branch has an atom has one: each
	// branch's variants, cut to the shortest branch's length (a prefix
	// of an atom is found where the atom is), at any branch's offsets.
	// Strings like /(eval|assert)\(/ or base64 spellings of one word
	// have no single byte run every match shares, but do have this.
	for _, e := range els {
		if e.node == nil || e.node.Op != regex.OpAlt || e.hi < 0 || depth >= maxAltDepth || bestScore >= 3*minAtomScore {
			continue
		}
		a, score, ok := altAtom(e.node, depth+1)
		if !ok {
			continue
		}
		a.lo, a.hi = e.lo+a.lo, e.hi+a.hi
		if spread := a.hi - a.lo; spread <= maxStartSpread {
			if score -= spread / 4; score > bestScore {
				best, bestScore = a, score
			}
		}
	}
	return best, bestScore
}

// altAtom merges the atoms of an alternation's branches; ok is false
// when a branch has none worth it or the variants would be too many. Its
// score is the poorest branch's, after the cut.
func altAtom(n *regex.Node, depth int) (atom, int, bool) {
	var parts []atom
	short := maxAtom
	for _, sub := range n.Subs {
		a, score := patternAtomScore(sub, depth)
		if score < minAtomScore {
			return atom{}, 0, false
		}
		parts = append(parts, a)
		short = min(short, len(a.variants[0]))
	}
	if len(parts) == 0 {
		return atom{}, 0, false
	}
	merged := atom{lo: parts[0].lo, hi: parts[0].hi}
	seen := map[string]bool{}
	score := -1
	for _, a := range parts {
		merged.lo, merged.hi = min(merged.lo, a.lo), max(merged.hi, a.hi)
		for _, v := range a.variants {
			v = v[:short]
			if q := variantQuality(v); score < 0 || q < score {
				score = q
			}
			if !seen[string(v)] {
				seen[string(v)] = true
				merged.variants = append(merged.variants, v)
			}
		}
	}
	if len(merged.variants) > maxAltVariants || score < minAtomScore {
		return atom{}, 0, false
	}
	return merged, score, true
}

// variantQuality scores one atom variant as bestRun scores a run of
// single bytes.
func variantQuality(v []byte) int {
	q := 0
	for i, c := range v {
		var set regex.Set
		set.Add(c)
		q += byteQuality(&set)
		if i > 0 && c == v[i-1] {
			q -= 8
		}
	}
	return q
}
