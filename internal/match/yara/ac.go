package yara

import "errors"

// maxStates bounds the automaton; a rule set past it is refused rather
// than allowed to eat memory (each state is a 1 KiB row).
const maxStates = 1 << 18

var errTooManyAtoms = errors.New("yara: rule set too large for the atom automaton")

// automaton is an Aho–Corasick automaton compiled into a dense DFA:
// next[state<<8|byte] is the following state, and out[state] lists the
// atom entries that end there (its own and its suffixes').
type automaton struct {
	next []uint32
	out  [][]int32
}

type trieNode struct {
	child map[byte]int
	out   []int32
}

// buildAutomaton builds the DFA for atoms; atom i's entries are ids[i].
func buildAutomaton(atoms [][]byte, ids []int32) (*automaton, error) {
	trie := []trieNode{{child: map[byte]int{}}}
	for i, a := range atoms {
		s := 0
		for _, b := range a {
			nx, ok := trie[s].child[b]
			if !ok {
				if len(trie) >= maxStates {
					return nil, errTooManyAtoms
				}
				trie = append(trie, trieNode{child: map[byte]int{}})
				nx = len(trie) - 1
				trie[s].child[b] = nx
			}
			s = nx
		}
		trie[s].out = append(trie[s].out, ids[i])
	}
	a := &automaton{next: make([]uint32, len(trie)<<8), out: make([][]int32, len(trie))}
	fail := make([]int, len(trie))
	queue := []int{}
	for b := 0; b < 256; b++ {
		if c, ok := trie[0].child[byte(b)]; ok {
			a.next[b] = uint32(c)
			queue = append(queue, c)
		}
	}
	a.out[0] = trie[0].out
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.out[s] = append(append([]int32(nil), trie[s].out...), a.out[fail[s]]...)
		for b := 0; b < 256; b++ {
			if c, ok := trie[s].child[byte(b)]; ok {
				fail[c] = int(a.next[fail[s]<<8|b])
				a.next[s<<8|b] = uint32(c)
				queue = append(queue, c)
			} else {
				a.next[s<<8|b] = a.next[fail[s]<<8|b]
			}
		}
	}
	return a, nil
}
