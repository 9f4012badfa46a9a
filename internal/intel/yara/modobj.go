package yara

import (
	"fmt"
	"sort"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// mkind is the kind of a module member.
type mkind uint8

const (
	kScalar mkind = iota
	kStruct
	kArray
	kDict
	kFunc
)

func (k mkind) String() string {
	return [...]string{"value", "structure", "array", "dictionary", "function"}[k]
}

// mtype is the compile-time type of a module member: yara's module
// declarations (declare_integer, begin_struct_array, …) as data.
type mtype struct {
	kind   mkind
	scalar typ               // kScalar: tInt, tFloat or tStr
	cnst   *value            // kScalar: a constant, folded at compile time
	fields map[string]*mtype // kStruct
	elem   *mtype            // kArray, kDict
	funcs  []moduleFunc      // kFunc
}

// Runtime module data: a structure is an mobj (field name → value,
// mobj, marr or mdict; a missing field is undefined), an array an marr
// (nil elements are undefined), a dictionary an mdict. Parsers may keep
// Go data for their functions under keys starting with "\x00", which no
// rule can name.
type (
	mobj  map[string]any
	marr  []any
	mdict map[string]any
)

var (
	tyInt = &mtype{kind: kScalar, scalar: tInt}
	tyStr = &mtype{kind: kScalar, scalar: tStr}
)

func structType(fields map[string]*mtype) *mtype {
	if fields == nil {
		fields = map[string]*mtype{}
	}
	return &mtype{kind: kStruct, fields: fields}
}

func arrayOf(t *mtype) *mtype { return &mtype{kind: kArray, elem: t} }

// intFields declares integer fields.
func intFields(m map[string]*mtype, names ...string) map[string]*mtype {
	for _, n := range names {
		m[n] = tyInt
	}
	return m
}

// setInt and setStr are the parsers' set_integer and set_string.
func (o mobj) setInt(name string, v int64)  { o[name] = vInt(v) }
func (o mobj) setStr(name string, v string) { o[name] = vStr(v) }

// module returns the parsed object of an imported module for this scan,
// parsing it on first use. A parser that fails or panics leaves the
// module's fields undefined and records a per-file error.
func (e *evalCtx) module(name string) mobj {
	if o, ok := e.mods[name]; ok {
		return o
	}
	m := modules[name]
	var o mobj
	if m != nil && m.parse != nil {
		o = e.safeParse(name, m)
	}
	if o == nil {
		o = mobj{}
	}
	e.mods[name] = o
	return o
}

func (e *evalCtx) safeParse(name string, m *module) (o mobj) {
	defer func() {
		if r := recover(); r != nil {
			o = nil
			e.in.ModuleErrors = append(e.in.ModuleErrors, fmt.Errorf("module %s: parser failed: %v", name, r))
		}
	}()
	o, err := m.parse(e)
	if err != nil {
		e.in.ModuleErrors = append(e.in.ModuleErrors, fmt.Errorf("module %s: %w", name, err))
	}
	return o
}

// fielder is a compact structure a parser builds instead of an mobj
// (arrays of thousands of symbols); field returns what an mobj would
// hold under name.
type fielder interface{ field(name string) any }

// getter yields a module member at run time: a value, mobj, marr, mdict
// or nil (undefined).
type getter func(e *evalCtx) any

// isModulePath reports whether x is rooted at an imported module or at a
// loop variable bound to a module structure.
func (rc *ruleCompiler) isModulePath(x syntax.Expr) bool {
	id := rootIdent(x)
	if id == nil {
		return false
	}
	if slot := rc.varSlot(id.Name); slot >= 0 {
		return rc.varMT[slot] != nil
	}
	return rc.imports[id.Name]
}

func (rc *ruleCompiler) varSlot(name string) int {
	for i := len(rc.vars) - 1; i >= 0; i-- {
		if rc.vars[i] == name {
			return i
		}
	}
	return -1
}

// modPath compiles an access path into a module (pe.sections[0].name)
// to a getter and the member's type; path names it in errors.
func (rc *ruleCompiler) modPath(x syntax.Expr) (getter, *mtype, string, error) {
	switch n := x.(type) {
	case *syntax.Ident:
		if slot := rc.varSlot(n.Name); slot >= 0 {
			if rc.varMT[slot] == nil {
				return nil, nil, "", rc.errf(n.P, "%q is not a structure", n.Name)
			}
			return func(e *evalCtx) any { return e.vars[slot].o }, rc.varMT[slot], n.Name, nil
		}
		if !rc.imports[n.Name] {
			return nil, nil, "", rc.errf(n.P, "undefined identifier %q", n.Name)
		}
		name := n.Name
		return func(e *evalCtx) any { return e.module(name) }, modules[name].schema, name, nil
	case *syntax.Member:
		g, t, path, err := rc.modPath(n.X)
		if err != nil {
			return nil, nil, "", err
		}
		if t.kind != kStruct {
			return nil, nil, "", rc.errf(n.P, "%s is not a structure", path)
		}
		ft, ok := t.fields[n.Name]
		if !ok {
			return nil, nil, "", rc.errf(n.P, "unsupported: %s.%s is not implemented by this engine", path, n.Name)
		}
		path += "." + n.Name
		if ft.kind == kFunc {
			return nil, nil, "", rc.errf(n.P, "%s is a function: call it", path)
		}
		if ft.cnst != nil {
			c := *ft.cnst
			return func(*evalCtx) any { return c }, ft, path, nil
		}
		name := n.Name
		return func(e *evalCtx) any {
			switch o := g(e).(type) {
			case mobj:
				return o[name]
			case fielder:
				return o.field(name)
			}
			return nil
		}, ft, path, nil
	case *syntax.Index:
		g, t, path, err := rc.modPath(n.X)
		if err != nil {
			return nil, nil, "", err
		}
		ix, it, err := rc.expr(n.I)
		if err != nil {
			return nil, nil, "", err
		}
		switch t.kind {
		case kArray:
			if err := rc.want(n.I, it, tInt); err != nil {
				return nil, nil, "", err
			}
			return func(e *evalCtx) any {
				a, _ := g(e).(marr)
				i := ix(e)
				if i.k != tInt || i.i < 0 || i.i >= int64(len(a)) {
					return nil
				}
				return a[i.i]
			}, t.elem, path + "[]", nil
		case kDict:
			if err := rc.want(n.I, it, tStr); err != nil {
				return nil, nil, "", err
			}
			return func(e *evalCtx) any {
				d, _ := g(e).(mdict)
				k := ix(e)
				if k.k != tStr {
					return nil
				}
				return d[k.s]
			}, t.elem, path + "[]", nil
		}
		return nil, nil, "", rc.errf(n.P, "%s is not an array or dictionary", path)
	case *syntax.Call:
		return nil, nil, "", rc.errf(n.P, "a function result is not a structure")
	}
	return nil, nil, "", rc.errf(x.Position(), "unsupported expression: this engine does not implement it")
}

// moduleIterable compiles `for … in pe.sections` (one variable per
// element) and `for k, v in pe.version_info` (key and value).
func (rc *ruleCompiler) moduleIterable(x syntax.Expr, nvars int) (iterator, []typ, []*mtype, error) {
	if !rc.isModulePath(x) {
		return nil, nil, nil, rc.errf(x.Position(), "not iterable: want a range, a list or a module array")
	}
	g, t, path, err := rc.modPath(x)
	if err != nil {
		return nil, nil, nil, err
	}
	elemVal := func(el any) value {
		switch v := el.(type) {
		case value:
			return v
		case nil:
			return undef
		}
		return value{k: tObj, o: el}
	}
	varOf := func(t *mtype) (typ, *mtype) {
		if t.kind == kScalar {
			return t.scalar, nil
		}
		return tObj, t
	}
	switch t.kind {
	case kArray:
		if nvars != 1 {
			return nil, nil, nil, rc.errf(x.Position(), "wrong number of loop variables: %s is an array", path)
		}
		vt, vmt := varOf(t.elem)
		return func(e *evalCtx, yield func([]value) bool) (int64, bool) {
			a, ok := g(e).(marr)
			if !ok {
				return 0, false
			}
			buf := []value{{}}
			for _, el := range a {
				buf[0] = elemVal(el)
				if !yield(buf) {
					break
				}
			}
			return int64(len(a)), e.err == nil
		}, []typ{vt}, []*mtype{vmt}, nil
	case kDict:
		if nvars != 2 {
			return nil, nil, nil, rc.errf(x.Position(), "wrong number of loop variables: %s is a dictionary (key, value)", path)
		}
		vt, vmt := varOf(t.elem)
		return func(e *evalCtx, yield func([]value) bool) (int64, bool) {
			d, ok := g(e).(mdict)
			if !ok {
				return 0, false
			}
			keys := make([]string, 0, len(d))
			for k := range d {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			buf := []value{{}, {}}
			for _, k := range keys {
				buf[0], buf[1] = vStr(k), elemVal(d[k])
				if !yield(buf) {
					break
				}
			}
			return int64(len(d)), e.err == nil
		}, []typ{tStr, vt}, []*mtype{nil, vmt}, nil
	}
	return nil, nil, nil, rc.errf(x.Position(), "not iterable: %s is a %s", path, t.kind)
}
