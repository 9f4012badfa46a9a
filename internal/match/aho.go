package match

// aho is an Aho–Corasick automaton over byte strings: find reports which
// patterns occur in a text in one pass over it.
type aho struct {
	next [][256]int32 // goto function, complete (failure links folded in)
	out  [][]int      // pattern indexes ending at each state
}

func newAho(patterns []string) *aho {
	a := &aho{next: make([][256]int32, 1), out: make([][]int, 1)}
	for pi, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := p[i]
			if a.next[s][c] == 0 {
				a.next = append(a.next, [256]int32{})
				a.out = append(a.out, nil)
				a.next[s][c] = int32(len(a.next) - 1)
			}
			s = a.next[s][c]
		}
		a.out[s] = append(a.out[s], pi)
	}
	a.link()
	return a
}

// link computes failure links breadth-first and folds them into next.
func (a *aho) link() {
	fail := make([]int32, len(a.next))
	var queue []int32
	for c := 0; c < 256; c++ {
		if s := a.next[0][c]; s != 0 {
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.out[s] = append(a.out[s], a.out[fail[s]]...)
		for c := 0; c < 256; c++ {
			t := a.next[s][c]
			if t == 0 {
				a.next[s][c] = a.next[fail[s]][c]
				continue
			}
			fail[t] = a.next[fail[s]][c]
			queue = append(queue, t)
		}
	}
}

// find returns the indexes of the patterns that occur in text, each once.
func (a *aho) find(text string) []int {
	var found []int
	var seen map[int]bool
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.next[s][text[i]]
		for _, p := range a.out[s] {
			if seen == nil {
				seen = map[int]bool{}
			}
			if !seen[p] {
				seen[p] = true
				found = append(found, p)
			}
		}
	}
	return found
}
