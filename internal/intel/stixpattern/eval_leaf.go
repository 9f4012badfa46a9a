package stixpattern

import (
	"context"
	"errors"
	"strings"
)

// candidates evaluates every bracketed observation expression against every
// observation and returns, per expression, the observations it matches.
// Like the reference matcher, every comparison is evaluated over every
// observation (no short-circuit), so a data error surfaces whatever the
// order of operands.
func (p *Pattern) candidates(ctx context.Context, obs []Observation) ([][]int32, error) {
	out := make([][]int32, len(p.leaves))
	for li, leaf := range p.leaves {
		for i := range obs {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			roots, err := evalCmp(&obs[i], leaf.cmp)
			if err != nil {
				return nil, err
			}
			if len(roots) > 0 {
				out[li] = append(out[li], int32(i))
			}
		}
	}
	return out, nil
}

// evalCmp returns the objects of obs (indices into obs.objects, sorted)
// at which the comparison expression holds. Every comparison of an
// observation expression starts from the same object (section 9.5): AND
// intersects these sets, OR unites them.
func evalCmp(obs *Observation, c *cmpNode) ([]int32, error) {
	switch c.kind {
	case cmpTest:
		return evalTest(obs, c)
	case cmpAnd:
		var acc []int32
		for i, k := range c.kids {
			roots, err := evalCmp(obs, k)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				acc = roots
			} else {
				acc = intersectSorted(acc, roots)
			}
		}
		return acc, nil
	}
	var acc []int32
	for _, k := range c.kids {
		roots, err := evalCmp(obs, k)
		if err != nil {
			return nil, err
		}
		acc = unionSorted(acc, roots)
	}
	return acc, nil
}

func evalTest(obs *Observation, c *cmpNode) ([]int32, error) {
	roots := obs.byType[c.path.ObjectType]
	if len(roots) == 0 {
		return nil, nil
	}
	test := c.test
	if c.op == opEXISTS {
		test = func(*value) (bool, error) { return true, nil }
	}
	e := newPathEval(obs, c.path, test)
	var out []int32
	for _, r := range roots {
		ok, err := e.pass(obs.objects[r].v, 0)
		if err != nil {
			return nil, wrapData(obs, c, err)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func wrapData(obs *Observation, c *cmpNode, err error) error {
	if !errors.Is(err, errData) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), errData.Error()+": ")
	return &DataError{Observation: obs.ID, Path: c.path.String(), Msg: msg}
}

func intersectSorted(a, b []int32) []int32 {
	var out []int32
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func unionSorted(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}
