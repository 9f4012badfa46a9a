package yara

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// module is a YARA module this engine implements: functions (with
// overloads told apart by argument types) and constants. Anything a
// module does not provide is a compile error naming it, never a silent
// non-match.
type module struct {
	funcs  map[string][]moduleFunc
	consts map[string]value
}

// moduleFunc is one overload: args holds one letter per argument
// (i integer, f float, s string), ret the result type.
type moduleFunc struct {
	args string
	ret  typ
	fn   func(e *evalCtx, args []value) value
}

// moduleData is a module's per-scan state (parsed headers, cached
// digests); modules that need none leave it nil.
type moduleData struct{}

// modules lists the modules `import` accepts.
var modules = map[string]*module{
	"math": mathModule(),
	"hash": hashModule(),
}

func typeLetter(t typ) byte {
	switch t {
	case tInt:
		return 'i'
	case tFloat:
		return 'f'
	case tStr:
		return 's'
	case tBool:
		return 'b'
	}
	return '?'
}

// moduleRef splits m.name into its module and member when m is an
// imported module.
func (rc *ruleCompiler) moduleRef(x syntax.Expr) (*module, string, string, bool) {
	mem, ok := x.(*syntax.Member)
	if !ok {
		return nil, "", "", false
	}
	id, ok := mem.X.(*syntax.Ident)
	if !ok || !rc.imports[id.Name] {
		return nil, "", "", false
	}
	return modules[id.Name], id.Name, mem.Name, true
}

func (rc *ruleCompiler) moduleExpr(x syntax.Expr) (evalFn, typ, error) {
	if call, ok := x.(*syntax.Call); ok {
		if m, mod, name, ok := rc.moduleRef(call.Fn); ok {
			return rc.moduleCall(call, m, mod, name)
		}
	}
	if m, mod, name, ok := rc.moduleRef(x); ok {
		if v, ok := m.consts[name]; ok {
			return constFn(v), v.k, nil
		}
		return nil, 0, rc.errf(x.Position(), "unsupported: %s.%s is not implemented by this engine", mod, name)
	}
	if id := rootIdent(x); id != nil && !rc.imports[id.Name] {
		if _, known := knownModules[id.Name]; known {
			return nil, 0, rc.errf(x.Position(), "undefined identifier %q (module %q is not imported)", id.Name, id.Name)
		}
		return nil, 0, rc.errf(x.Position(), "undefined identifier %q", id.Name)
	}
	return nil, 0, rc.errf(x.Position(), "unsupported expression: this engine does not implement it")
}

// knownModules are yara's modules, so an expression using one that is
// not imported gets a helpful message.
var knownModules = map[string]bool{"pe": true, "elf": true, "macho": true, "dotnet": true, "math": true,
	"hash": true, "time": true, "string": true, "console": true, "magic": true, "cuckoo": true, "dex": true}

func rootIdent(x syntax.Expr) *syntax.Ident {
	for {
		switch n := x.(type) {
		case *syntax.Ident:
			return n
		case *syntax.Member:
			x = n.X
		case *syntax.Index:
			x = n.X
		case *syntax.Call:
			x = n.Fn
		default:
			return nil
		}
	}
}

func (rc *ruleCompiler) moduleCall(call *syntax.Call, m *module, mod, name string) (evalFn, typ, error) {
	overloads, ok := m.funcs[name]
	if !ok {
		return nil, 0, rc.errf(call.P, "unsupported: %s.%s is not implemented by this engine", mod, name)
	}
	fns := make([]evalFn, len(call.Args))
	sig := make([]byte, len(call.Args))
	for i, a := range call.Args {
		f, t, err := rc.expr(a)
		if err != nil {
			return nil, 0, err
		}
		fns[i], sig[i] = f, typeLetter(t)
	}
	for _, o := range overloads {
		if !sigMatches(o.args, string(sig)) {
			continue
		}
		o := o
		return func(e *evalCtx) value {
			args := make([]value, len(fns))
			for i, f := range fns {
				if args[i] = f(e); args[i].k == tUndef {
					return undef
				}
				if o.args[i] == 'f' && args[i].k == tInt {
					args[i] = vFloat(float64(args[i].i))
				}
			}
			return o.fn(e, args)
		}, o.ret, nil
	}
	var want []string
	for _, o := range overloads {
		want = append(want, o.args)
	}
	return nil, 0, rc.errf(call.P, "wrong arguments for %s.%s: got (%s), want one of (%s)", mod, name, sig,
		strings.Join(want, "), ("))
}

// sigMatches compares argument types exactly, as yara does (an integer
// is no float argument); loop variables (?) are checked at run time.
func sigMatches(want, got string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != got[i] && got[i] != '?' {
			return false
		}
	}
	return true
}

func (rc *ruleCompiler) moduleIterable(x syntax.Expr, nvars int) (iterator, []typ, error) {
	if _, mod, name, ok := rc.moduleRef(x); ok {
		return nil, nil, rc.errf(x.Position(), "unsupported: iterating %s.%s is not implemented by this engine", mod, name)
	}
	return nil, nil, rc.errf(x.Position(), "not iterable: want a range, a list or a module array")
}

// dataRange returns data[off:off+size] for the (offset, size) module
// functions, or false when the range is not inside the data.
func dataRange(data []byte, off, size int64) ([]byte, bool) {
	if off < 0 || size < 0 || len(data) == 0 || off >= int64(len(data)) && !(off == 0 && size == 0) {
		return nil, false
	}
	end := off + size
	if end > int64(len(data)) || end < off {
		end = int64(len(data))
	}
	return data[off:end], true
}
