package stixpattern

import (
	"sort"
	"strings"
)

// validate applies the rules of section 9 the grammar does not express.
func (p *parser) validate(pat *Pattern) error {
	for _, leaf := range pat.leaves {
		if _, err := p.rootTypes(leaf.cmp); err != nil {
			return err
		}
	}
	return nil
}

// rootTypes returns the object types a comparison expression can be
// satisfied by. "All operands of AND in an Observation Expression MUST be
// satisfiable with the same object" (section 9.5): an AND whose operands
// share no object type is an invalid pattern. OR may mix types.
func (p *parser) rootTypes(c *cmpNode) ([]string, error) {
	switch c.kind {
	case cmpTest:
		return []string{c.path.ObjectType}, nil
	case cmpOr:
		seen := map[string]bool{}
		for _, k := range c.kids {
			types, err := p.rootTypes(k)
			if err != nil {
				return nil, err
			}
			for _, t := range types {
				seen[t] = true
			}
		}
		return sortedKeys(seen), nil
	}
	var common []string
	for i, k := range c.kids {
		types, err := p.rootTypes(k)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			common = types
			continue
		}
		next := intersect(common, types)
		if len(next) == 0 {
			return nil, p.errAt(k.pos, "AND joins comparisons on different object types (%s and %s): "+
				"all operands of AND in one observation expression must apply to the same object; "+
				"use OR, or separate [ ] observation expressions", strings.Join(common, "/"), strings.Join(types, "/"))
		}
		common = next
	}
	return common, nil
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
