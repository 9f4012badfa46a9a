package yara

import (
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/regex"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// module is a YARA module this engine implements: a schema of fields
// (integers, floats, strings, structures, arrays, dictionaries),
// functions (with overloads told apart by argument types) and constants,
// and a parser that fills the fields from the scanned data. Anything a
// module does not provide is a compile error naming it, never a silent
// non-match.
type module struct {
	funcs  map[string][]moduleFunc
	consts map[string]value
	// fields are the module's data fields; the schema is built from
	// funcs, consts and fields when the module is registered.
	fields map[string]*mtype
	// parse fills the module's object for one scan; nil for modules
	// without per-file data. It must not panic (a panic is recovered and
	// reported as a module error, leaving the fields undefined).
	parse  func(e *evalCtx) (mobj, error)
	schema *mtype
}

// moduleFunc is one overload: args holds one letter per argument
// (i integer, f float, s string), ret the result type. recv is the
// structure the function is a member of (the module object for
// top-level functions).
type moduleFunc struct {
	args string
	ret  typ
	fn   func(e *evalCtx, recv mobj, args []value) value
}

// modules lists the modules `import` accepts.
var modules = map[string]*module{}

func init() {
	for name, m := range map[string]*module{
		"math":    mathModule(),
		"hash":    hashModule(),
		"elf":     elfModule(),
		"pe":      peModule(),
		"time":    timeModule(),
		"console": consoleModule(),
		"string":  stringModule(),
		"macho":   machoModule(),
		"dotnet":  dotnetModule(),
	} {
		if m == nil {
			continue
		}
		m.schema = structType(m.fields)
		for k, fs := range m.funcs {
			m.schema.fields[k] = &mtype{kind: kFunc, funcs: fs}
		}
		for k, v := range m.consts {
			v := v
			m.schema.fields[k] = &mtype{kind: kScalar, scalar: v.k, cnst: &v}
		}
		modules[name] = m
	}
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
	case tRegex:
		return 'r'
	}
	return '?'
}

func (rc *ruleCompiler) moduleExpr(x syntax.Expr) (evalFn, typ, error) {
	if call, ok := x.(*syntax.Call); ok {
		if mem, ok := call.Fn.(*syntax.Member); ok && rc.isModulePath(mem.X) {
			return rc.moduleCall(call, mem)
		}
	}
	if rc.isModulePath(x) {
		g, t, path, err := rc.modPath(x)
		if err != nil {
			return nil, 0, err
		}
		if t.kind != kScalar {
			return nil, 0, rc.errf(x.Position(), "wrong usage of identifier %q: it is a %s", path, t.kind)
		}
		if t.cnst != nil {
			return constFn(*t.cnst), t.scalar, nil
		}
		return func(e *evalCtx) value {
			if v, ok := g(e).(value); ok {
				return v
			}
			return undef
		}, t.scalar, nil
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

func (rc *ruleCompiler) moduleCall(call *syntax.Call, mem *syntax.Member) (evalFn, typ, error) {
	recv, rt, path, err := rc.modPath(mem.X)
	if err != nil {
		return nil, 0, err
	}
	if id := rootIdent(mem.X); id != nil && id.Name == "console" {
		rc.logs = true
	}
	if rt.kind != kStruct {
		return nil, 0, rc.errf(call.P, "%s is not a structure", path)
	}
	ft, ok := rt.fields[mem.Name]
	if !ok {
		return nil, 0, rc.errf(call.P, "unsupported: %s.%s is not implemented by this engine", path, mem.Name)
	}
	if ft.kind != kFunc {
		return nil, 0, rc.errf(call.P, "%s.%s is not a function", path, mem.Name)
	}
	fns := make([]evalFn, len(call.Args))
	sig := make([]byte, len(call.Args))
	for i, a := range call.Args {
		if re, ok := a.(*syntax.RegexLit); ok {
			prog, err := rc.regexArg(re)
			if err != nil {
				return nil, 0, err
			}
			fns[i], sig[i] = constFn(value{k: tRegex, o: prog}), 'r'
			continue
		}
		f, t, err := rc.expr(a)
		if err != nil {
			return nil, 0, err
		}
		fns[i], sig[i] = f, typeLetter(t)
	}
	for _, o := range ft.funcs {
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
			r, _ := recv(e).(mobj)
			return o.fn(e, r, args)
		}, o.ret, nil
	}
	var want []string
	for _, o := range ft.funcs {
		want = append(want, o.args)
	}
	return nil, 0, rc.errf(call.P, "wrong arguments for %s.%s: got (%s), want one of (%s)", path, mem.Name, sig,
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

// regexArg compiles a regular expression passed to a module function.
func (rc *ruleCompiler) regexArg(re *syntax.RegexLit) (*regex.Prog, error) {
	node, err := regex.Parse(re.Text, strings.Contains(re.Flags, "i"), strings.Contains(re.Flags, "s"))
	if err != nil {
		return nil, rc.errf(re.P, "invalid regular expression: %v", err)
	}
	prog, err := regex.Compile(node)
	if err != nil {
		return nil, rc.errf(re.P, "invalid regular expression: %v", err)
	}
	return prog, nil
}
