package yara

import "errors"

// maxStates bounds the automaton; a rule set past it is refused rather
// than allowed to eat memory (each state is a row of 256 entries).
const maxStates = 1 << 18

// max16States is the most states 16-bit rows hold (a variable so a
// test can make every automaton use 32-bit rows).
var max16States = 1 << 16

var errTooManyAtoms = errors.New("yara: rule set too large for the atom automaton")

// automaton is an Aho–Corasick automaton compiled into a dense DFA:
// next[state<<8|byte] is the following state. States are numbered so
// that those where atoms end come last, from firstHit on: the scan loop
// tests a hit with one comparison, and out[state-firstHit] lists the
// atom entries that end there (its own and its suffixes'). A rule set
// with at most 65,536 states gets 16-bit rows (next16), half the memory
// of 32-bit ones (next32): signature-base's 43,000 states take 21 MB,
// which fits a 32 MB L3 cache where 43 MB did not, and the table lookup
// is most of the scan's time.
type automaton struct {
	next16   []uint16
	next32   []uint32
	firstHit uint32
	out      [][]int32
}

type trieNode struct {
	child map[byte]int32
	out   []int32
}

// buildAutomaton builds the DFA for atoms; atom i's entries are ids[i].
func buildAutomaton(atoms [][]byte, ids []int32) (*automaton, error) {
	trie := []trieNode{{child: map[byte]int32{}}}
	for i, a := range atoms {
		s := int32(0)
		for _, b := range a {
			nx, ok := trie[s].child[b]
			if !ok {
				if len(trie) >= maxStates {
					return nil, errTooManyAtoms
				}
				trie = append(trie, trieNode{child: map[byte]int32{}})
				nx = int32(len(trie) - 1)
				trie[s].child[b] = nx
			}
			s = nx
		}
		trie[s].out = append(trie[s].out, ids[i])
	}
	// Breadth-first order, failure links and output sets on the trie: a
	// state's failure link is shallower, so it comes first.
	order := make([]int32, 0, len(trie))
	order = append(order, 0)
	fail := make([]int32, len(trie))
	out := make([][]int32, len(trie))
	for q := 0; q < len(order); q++ {
		s := order[q]
		if s != 0 {
			out[s] = append(append([]int32(nil), trie[s].out...), out[fail[s]]...)
		}
		for b := 0; b < 256; b++ {
			c, ok := trie[s].child[byte(b)]
			if !ok {
				continue
			}
			order = append(order, c)
			if s == 0 {
				continue
			}
			f := fail[s]
			for {
				if g, ok := trie[f].child[byte(b)]; ok {
					fail[c] = g
					break
				}
				if f == 0 {
					break
				}
				f = fail[f]
			}
		}
	}
	// Number the states: no-hit states first in breadth-first order (the
	// root is 0), then hit states.
	id := make([]uint32, len(trie))
	n := uint32(0)
	for _, s := range order {
		if len(out[s]) == 0 {
			id[s], n = n, n+1
		}
	}
	a := &automaton{firstHit: n}
	for _, s := range order {
		if len(out[s]) > 0 {
			id[s], n = n, n+1
			a.out = append(a.out, out[s])
		}
	}
	if len(trie) <= max16States {
		a.next16 = make([]uint16, len(trie)<<8)
		fill(a.next16, trie, order, fail, id)
	} else {
		a.next32 = make([]uint32, len(trie)<<8)
		fill(a.next32, trie, order, fail, id)
	}
	return a, nil
}

// fill writes the DFA rows in breadth-first order, so a missing child's
// transition is copied from the failure state's row, already written.
func fill[T uint16 | uint32](next []T, trie []trieNode, order, fail []int32, id []uint32) {
	for _, s := range order {
		row := next[id[s]<<8 : id[s]<<8+256]
		frow := next[id[fail[s]]<<8 : id[fail[s]]<<8+256]
		for b := range 256 {
			if c, ok := trie[s].child[byte(b)]; ok {
				row[b] = T(id[c])
			} else if s != 0 {
				row[b] = frow[b]
			}
		}
	}
}

// scan runs the automaton over data from state and calls hit with the
// entries of each hit and the offset just past it; it returns the state
// at the end, so a caller can scan in chunks.
func scan[T uint16 | uint32](next []T, firstHit uint32, out [][]int32, data []byte, base int, state uint32, hit func(ids []int32, end int)) uint32 {
	for i, b := range data {
		state = uint32(next[state<<8|uint32(b)])
		if state < firstHit {
			continue
		}
		hit(out[state-firstHit], base+i+1)
	}
	return state
}
