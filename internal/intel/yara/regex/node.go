// Package regex is YARA's pattern language for byte strings: regular
// expressions in YARA's syntax and hex strings both parse into one tree
// of Nodes, which compiles into a program run by a bounded backtracking
// matcher over bytes (not UTF-8), with Perl's leftmost-first priorities.
package regex

import "math/bits"

// Set is a set of byte values.
type Set [4]uint64

// Add adds b to the set.
func (s *Set) Add(b byte) { s[b>>6] |= 1 << (b & 63) }

// AddRange adds lo..hi inclusive.
func (s *Set) AddRange(lo, hi int) {
	for c := lo; c <= hi; c++ {
		s.Add(byte(c))
	}
}

// Has reports whether b is in the set.
func (s *Set) Has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

// Len is the number of bytes in the set.
func (s *Set) Len() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

// Union adds every byte of o.
func (s *Set) Union(o Set) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Negate replaces the set by its complement.
func (s *Set) Negate() {
	for i := range s {
		s[i] = ^s[i]
	}
}

// Members lists the bytes of the set in order.
func (s *Set) Members() []byte {
	out := make([]byte, 0, s.Len())
	for w, x := range s {
		for ; x != 0; x &= x - 1 {
			out = append(out, byte(w<<6|bits.TrailingZeros64(x)))
		}
	}
	return out
}

// FoldCase adds the other case of every ASCII letter in the set.
func (s *Set) FoldCase() {
	for c := 'a'; c <= 'z'; c++ {
		if s.Has(byte(c)) || s.Has(byte(c-32)) {
			s.Add(byte(c))
			s.Add(byte(c - 32))
		}
	}
}

// Op is a node's kind.
type Op int

// Node kinds.
const (
	OpClass    Op = iota // one byte from Set
	OpConcat             // Subs in sequence
	OpAlt                // one of Subs, first preferred
	OpRepeat             // Subs[0] Min..Max times (Max < 0: unbounded)
	OpBegin              // ^
	OpEnd                // $
	OpWordB              // \b
	OpNotWordB           // \B
	OpEmpty              // matches the empty string
)

// Node is one node of a pattern tree.
//
// A node is never changed once built: parsers share leaf nodes between
// trees, and transformations (widening) build copies.
type Node struct {
	Op     Op
	Set    Set
	Subs   []*Node
	Min    int
	Max    int
	Greedy bool
	// Wide makes \b and \B look at UTF-16LE characters (two bytes).
	Wide bool
}

// Unbounded is Node.Max for an open-ended repetition.
const Unbounded = -1

func class(s Set) *Node { return &Node{Op: OpClass, Set: s} }

func lit(b byte) *Node {
	var s Set
	s.Add(b)
	return class(s)
}

// MinMaxLen returns the shortest and longest match length of n; max is
// -1 when unbounded.
func (n *Node) MinMaxLen() (int, int) {
	switch n.Op {
	case OpClass:
		return 1, 1
	case OpConcat:
		lo, hi := 0, 0
		for _, s := range n.Subs {
			a, b := s.MinMaxLen()
			lo += a
			if hi >= 0 {
				if b < 0 {
					hi = -1
				} else {
					hi += b
				}
			}
		}
		return lo, hi
	case OpAlt:
		lo, hi := -1, 0
		for _, s := range n.Subs {
			a, b := s.MinMaxLen()
			if lo < 0 || a < lo {
				lo = a
			}
			if hi >= 0 && (b < 0 || b > hi) {
				hi = b
			}
		}
		if lo < 0 {
			lo = 0
		}
		return lo, hi
	case OpRepeat:
		a, b := n.Subs[0].MinMaxLen()
		hi := -1
		if n.Max >= 0 && b >= 0 {
			hi = b * n.Max
		}
		return a * n.Min, hi
	}
	return 0, 0
}
