package stixpattern

import (
	"errors"
	"fmt"
	"strings"
)

// pathValues returns the values path selects from one root object of obs.
// Each step maps the current values to the next ones; values a step cannot
// apply to (a key missing, an index out of range, a key into a list) drop
// out. *_ref and *_refs properties are replaced by the objects they name
// within the same observation. Values are de-duplicated by identity at each
// step, so reference cycles cannot multiply the work.
func pathValues(obs *Observation, root *value, path Path) ([]*value, error) {
	cur := []*value{root}
	for _, s := range path.Steps {
		var next []*value
		var err error
		switch s.Kind {
		case StepKey:
			next, err = keyStep(obs, cur, s.Key)
		case StepIndex:
			for _, v := range cur {
				if v.kind == vList && s.Index >= 0 && s.Index < int64(len(v.list)) {
					if e := v.list[s.Index]; e.kind != vMissing {
						next = append(next, e)
					}
				}
			}
		case StepAnyIndex:
			for _, v := range cur {
				if v.kind == vList {
					for _, e := range v.list {
						if e.kind != vMissing {
							next = append(next, e)
						}
					}
				}
			}
		}
		if err != nil {
			return nil, err
		}
		cur = dedupe(next)
		if len(cur) == 0 {
			return nil, nil
		}
	}
	return cur, nil
}

// errData marks messages that become a DataError.
var errData = errors.New("data error")

func dataErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errData}, a...)...)
}

func keyStep(obs *Observation, cur []*value, key string) ([]*value, error) {
	var next []*value
	for _, v := range cur {
		if v.kind != vObject {
			continue
		}
		m, ok := v.obj.get(key)
		if !ok {
			continue
		}
		switch {
		case m.kind == vBad:
			return nil, dataErr("%s", m.str)
		case strings.HasSuffix(key, "_ref"):
			if m.kind != vString {
				return nil, dataErr("reference property %s is not a string", key)
			}
			if target, ok := obs.byKey[m.str]; ok {
				next = append(next, target)
			}
		case strings.HasSuffix(key, "_refs"):
			l, err := resolveList(obs, m, key)
			if err != nil {
				return nil, err
			}
			next = append(next, l)
		default:
			next = append(next, m)
		}
	}
	return next, nil
}

// resolveList replaces each reference of a *_refs list by its object,
// keeping positions: an unresolved reference stays as a hole that no index
// selects.
func resolveList(obs *Observation, m *value, key string) (*value, error) {
	if m.kind != vList {
		return nil, dataErr("reference list property %s is not a list", key)
	}
	out := &value{kind: vList, list: make([]*value, len(m.list))}
	for i, ref := range m.list {
		if ref.kind != vString {
			return nil, dataErr("reference list property %s has a non-string entry", key)
		}
		if target, ok := obs.byKey[ref.str]; ok {
			out.list[i] = target
		} else {
			out.list[i] = missing
		}
	}
	return out, nil
}

// missing stands for an unresolved reference in a *_refs list.
var missing = &value{kind: vMissing}

func dedupe(vals []*value) []*value {
	if len(vals) < 2 {
		return vals
	}
	seen := make(map[*value]struct{}, len(vals))
	out := vals[:0]
	for _, v := range vals {
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}
