package stixpattern

import (
	"errors"
	"fmt"
	"strings"
)

// pathEval decides whether a comparison holds at a root object: whether
// some value the path selects passes the test. Each step maps a value to
// the next values (a key's value, a list's element, the objects a *_ref or
// *_refs names within the observation); values a step cannot apply to drop
// out. Values are tried in path order, depth first, stopping at the first
// that passes, and each (value, step) pair is decided once per comparison
// and observation, so reference cycles and fan-out cost no more than the
// references themselves. This visits final values in the order the
// reference matcher's breadth-first walk does, duplicates skipped alike.
type pathEval struct {
	obs  *Observation
	path Path
	test func(*value) (bool, error)
	memo map[pathKey]bool
}

type pathKey struct {
	v    *value
	step int
}

func newPathEval(obs *Observation, path Path, test func(*value) (bool, error)) *pathEval {
	return &pathEval{obs: obs, path: path, test: test, memo: map[pathKey]bool{}}
}

// pass reports whether a value reached from v by steps[i:] passes the test.
func (e *pathEval) pass(v *value, i int) (bool, error) {
	key := pathKey{v, i}
	if r, ok := e.memo[key]; ok {
		return r, nil
	}
	var r bool
	var err error
	if i == len(e.path.Steps) {
		r, err = e.test(v)
	} else {
		r, err = e.next(v, i)
	}
	if err != nil {
		return false, err
	}
	e.memo[key] = r
	return r, nil
}

func (e *pathEval) next(v *value, i int) (bool, error) {
	s := e.path.Steps[i]
	var succ []*value
	switch s.Kind {
	case StepKey:
		w, err := keyStep(e.obs, v, s.Key)
		if err != nil || w == nil {
			return false, err
		}
		succ = []*value{w}
	case StepIndex:
		if v.kind == vList && s.Index >= 0 && s.Index < int64(len(v.list)) {
			succ = v.list[s.Index : s.Index+1]
		}
	case StepAnyIndex:
		if v.kind == vList {
			succ = v.list
		}
	}
	for _, w := range succ {
		if w.kind == vMissing {
			continue
		}
		if ok, err := e.pass(w, i+1); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// errData marks messages that become a DataError.
var errData = errors.New("data error")

func dataErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errData}, a...)...)
}

// keyStep takes key from object v, replacing a *_ref by the object it
// names and a *_refs by the list of objects. It returns nil when the step
// does not apply.
func keyStep(obs *Observation, v *value, key string) (*value, error) {
	if v.kind != vObject {
		return nil, nil
	}
	m, ok := v.obj.get(key)
	if !ok {
		return nil, nil
	}
	switch {
	case m.kind == vBad:
		return nil, dataErr("%s", m.str)
	case strings.HasSuffix(key, "_ref"):
		if m.kind != vString {
			return nil, dataErr("reference property %s is not a string", key)
		}
		return obs.byKey[m.str], nil
	case strings.HasSuffix(key, "_refs"):
		return resolveList(obs, m, key)
	}
	return m, nil
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
