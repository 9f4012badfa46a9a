package stixpattern

import "sort"

// Key is an equality the pattern relies on: an object of type
// Path.ObjectType whose Path, evaluated as the pattern does (references
// followed, [*] over every element), yields the string Value. Values compare
// code point by code point: a hash key is case-sensitive, as in the pattern.
type Key struct {
	Path  Path
	Value string
}

// IndexKeys extracts equality keys so that hash and name indicators can be
// looked up in an index instead of evaluated one by one.
//
// When keys is not nil, every match of the pattern binds at least one
// observation holding an object for which one of the keys holds: a pattern
// none of whose keys hold anywhere cannot match. When exact is also true,
// the converse holds too: any single observation holding an object for which
// one key holds is a match on its own (the pattern is a comparison of the
// form path = 'string', path IN ('a', 'b'), OR-ed, in one or several
// OR-ed observation expressions, without qualifiers that count or bound
// time). keys is nil when the pattern has no such necessary equality.
func (p *Pattern) IndexKeys() (keys []Key, exact bool) {
	keys, ok, exact := obsKeys(p.root)
	if !ok {
		return nil, false
	}
	return dedupeKeys(keys), exact
}

func obsKeys(n *obsNode) (keys []Key, ok, exact bool) {
	switch n.kind {
	case obsSimple:
		return cmpKeys(n.cmp)
	case obsOr:
		return unionKeys(n.kids, obsKeys)
	case obsAnd, obsFollowedBy:
		keys, ok, _ = fewestKeys(n.kids, obsKeys)
		return keys, ok, false
	case obsWithin:
		keys, ok, exact = obsKeys(n.kids[0])
		return keys, ok, exact && n.kids[0].kind == obsSimple
	case obsRepeats:
		keys, ok, exact = obsKeys(n.kids[0])
		return keys, ok, exact && n.count == 1
	}
	keys, ok, _ = obsKeys(n.kids[0]) // START/STOP
	return keys, ok, false
}

func cmpKeys(c *cmpNode) (keys []Key, ok, exact bool) {
	switch c.kind {
	case cmpOr:
		return unionKeys(c.kids, cmpKeys)
	case cmpAnd:
		keys, ok, _ = fewestKeys(c.kids, cmpKeys)
		return keys, ok, false
	}
	equality := (c.op == opEQ && !c.not) || (c.op == opNEQ && c.not)
	if equality && c.lit.kind == litString {
		return []Key{{Path: c.path, Value: c.lit.str}}, true, true
	}
	if c.op == opIN && !c.not && len(c.set) > 0 && c.set[0].kind == litString {
		for _, l := range c.set {
			keys = append(keys, Key{Path: c.path, Value: l.str})
		}
		return keys, true, true
	}
	return nil, false, false
}

// unionKeys: an OR needs a key of every operand.
func unionKeys[T any](kids []T, f func(T) ([]Key, bool, bool)) (keys []Key, ok, exact bool) {
	exact = true
	for _, k := range kids {
		kk, kok, kexact := f(k)
		if !kok {
			return nil, false, false
		}
		keys, exact = append(keys, kk...), exact && kexact
	}
	return keys, true, exact
}

// fewestKeys: an AND needs the keys of any one operand; take the smallest
// set.
func fewestKeys[T any](kids []T, f func(T) ([]Key, bool, bool)) (keys []Key, ok, exact bool) {
	for _, k := range kids {
		kk, kok, _ := f(k)
		if kok && (!ok || len(kk) < len(keys)) {
			keys, ok = kk, true
		}
	}
	return keys, ok, false
}

func dedupeKeys(keys []Key) []Key {
	seen := map[[2]string]bool{}
	out := keys[:0]
	for _, k := range keys {
		id := [2]string{k.Path.String(), k.Value}
		if !seen[id] {
			seen[id] = true
			out = append(out, k)
		}
	}
	return out
}

// ObjectTypes returns the object types the pattern's paths start from,
// sorted.
func (p *Pattern) ObjectTypes() []string {
	seen := map[string]bool{}
	for _, path := range p.Paths() {
		seen[path.ObjectType] = true
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Paths returns the distinct object paths the pattern compares, in the
// order they first appear.
func (p *Pattern) Paths() []Path {
	var out []Path
	seen := map[string]bool{}
	var walk func(c *cmpNode)
	walk = func(c *cmpNode) {
		if c.kind == cmpTest && !seen[c.path.String()] {
			seen[c.path.String()] = true
			out = append(out, c.path)
		}
		for _, k := range c.kids {
			walk(k)
		}
	}
	for _, l := range p.leaves {
		walk(l.cmp)
	}
	return out
}
