package yara

import (
	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// module is a YARA module this engine implements.
type module struct{}

// moduleData is a module's per-scan state.
type moduleData struct{}

// modules lists the modules `import` accepts.
var modules = map[string]*module{}

func (rc *ruleCompiler) moduleExpr(x syntax.Expr) (evalFn, typ, error) {
	return nil, 0, rc.errf(x.Position(), "unsupported expression: no module provides it")
}

func (rc *ruleCompiler) moduleIterable(x syntax.Expr, nvars int) (iterator, []typ, error) {
	return nil, nil, rc.errf(x.Position(), "unsupported iterable")
}
