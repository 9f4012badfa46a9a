package yara

import "github.com/cascade-ir/cascade/internal/intel/yara/regex"

// A pattern with no atom at a bounded offset from its start (a regular
// expression opening with \w+, say) must be tried at every offset. Most
// such patterns still hold some bytes every match contains, only at no
// known distance from the start: a presence atom. Its hits in the main
// pass only mark the pattern as worth trying; a file none of its
// variants occur in is not searched for it at all.

// Presence atoms may be longer and use wider classes than start atoms:
// they are looked for once a file and only need to be rare.
const (
	maxPresenceLen      = 8
	maxPresenceVariants = 64
	maxPresenceClass    = 8
	// minPresenceScore is what a presence atom must score (byteQuality
	// summed, presenceClassQuality for a wide class): about three good
	// bytes, so a file is rarely searched for nothing.
	minPresenceScore = 48
	// presenceClassQuality scores a class of 3..maxPresenceClass bytes
	// (\s, [0-7]) inside a presence atom.
	presenceClassQuality = 4
)

// presenceAtom returns the best run of classes that every match of n
// holds contiguously, expanded into its variants; ok is false when
// there is none worth looking for.
func presenceAtom(n *regex.Node) ([][]byte, bool) {
	var runs [][]regex.Set
	var cur []regex.Set
	requiredRuns(n, &cur, &runs)
	flushRun(&cur, &runs)
	var best []regex.Set
	bestScore := -1
	for _, run := range runs {
		for i := range run {
			q, variants := 0, 1
			for j := i; j < len(run) && j-i < maxPresenceLen; j++ {
				k := run[j].Len()
				if k == 0 || k > maxPresenceClass || variants*k > maxPresenceVariants {
					break
				}
				variants *= k
				if k > 2 {
					q += presenceClassQuality
				} else {
					q += byteQuality(&run[j])
				}
				if j > i && run[j] == run[j-1] {
					q -= 8
				}
				if q > bestScore {
					bestScore, best = q, run[i:j+1]
				}
			}
		}
	}
	if bestScore < minPresenceScore {
		return nil, false
	}
	return expand(best), true
}

// requiredRuns collects the runs of single-byte classes every match of
// n holds contiguously; cur is the run being extended. Anything of
// variable length, optional, or alternative ends a run (the parts of a
// group repeated at least once are required and searched inside).
func requiredRuns(n *regex.Node, cur *[]regex.Set, runs *[][]regex.Set) {
	switch n.Op {
	case regex.OpClass:
		*cur = append(*cur, n.Set)
		return
	case regex.OpConcat:
		for _, s := range n.Subs {
			requiredRuns(s, cur, runs)
		}
		return
	case regex.OpRepeat:
		sub := n.Subs[0]
		if sub.Op == regex.OpClass {
			for i := 0; i < min(n.Min, maxPresenceLen); i++ {
				*cur = append(*cur, sub.Set)
			}
			if n.Min != n.Max || n.Min > maxPresenceLen {
				flushRun(cur, runs)
			}
			return
		}
		flushRun(cur, runs)
		if n.Min >= 1 {
			requiredRuns(sub, cur, runs)
			flushRun(cur, runs)
		}
		return
	}
	flushRun(cur, runs)
}

func flushRun(cur *[]regex.Set, runs *[][]regex.Set) {
	if len(*cur) > 0 {
		*runs = append(*runs, *cur)
	}
	*cur = nil
}
