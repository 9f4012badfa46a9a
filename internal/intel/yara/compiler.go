package yara

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// maxIncludeDepth bounds nested includes.
const maxIncludeDepth = 16

// Error is a compile error; Rule names the rule it is in, if any.
type Error struct {
	Pos  syntax.Pos
	Rule string
	Msg  string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("%s: rule %q: %s", e.Pos, e.Rule, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// Compiler builds a Rules set from rule files. Add every file, then call
// Rules. The first error stops compilation.
type Compiler struct {
	// ReadFile reads rule and include files; os.ReadFile by default.
	ReadFile func(path string) ([]byte, error)
	rules    *Rules
	ns       map[string]*namespace
	stack    []string // files being compiled, for include cycles
	failed   error
}

type namespace struct {
	rules map[string]int
}

// NewCompiler returns an empty compiler.
func NewCompiler() *Compiler {
	return &Compiler{
		ReadFile: os.ReadFile,
		rules:    &Rules{externals: map[string]any{}},
		ns:       map[string]*namespace{},
	}
}

// DefineExternal declares an external variable with its default value:
// a string, an int64 (or int), a float64 or a bool.
func (c *Compiler) DefineExternal(name string, v any) error {
	switch x := v.(type) {
	case int:
		v = int64(x)
	case string, int64, float64, bool:
	default:
		return fmt.Errorf("external %q: unsupported type %T", name, v)
	}
	c.rules.externals[name] = v
	return nil
}

// AddFile compiles a rule file into namespace ns ("" is "default").
func (c *Compiler) AddFile(path, ns string) error {
	src, err := c.ReadFile(path)
	if err != nil {
		return c.fail(fmt.Errorf("read rules: %w", err))
	}
	return c.AddSource(path, string(src), ns)
}

// AddSource compiles rule text; name is its file name, used in errors
// and to resolve relative includes.
func (c *Compiler) AddSource(name, src, ns string) error {
	if c.failed != nil {
		return c.failed
	}
	if ns == "" {
		ns = "default"
	}
	return c.fail(c.source(name, src, ns))
}

func (c *Compiler) fail(err error) error {
	if err != nil && c.failed == nil {
		c.failed = err
	}
	return err
}

// Rules returns the compiled rule set, or the first compile error.
func (c *Compiler) Rules() (*Rules, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	return c.rules, nil
}

func (c *Compiler) source(name, src, ns string) error {
	if len(c.stack) >= maxIncludeDepth {
		return &Error{Pos: syntax.Pos{File: name, Line: 1, Col: 1}, Msg: "includes nested too deeply"}
	}
	c.stack = append(c.stack, name)
	defer func() { c.stack = c.stack[:len(c.stack)-1] }()
	f, err := syntax.Parse(name, src)
	if err != nil {
		if se, ok := err.(*syntax.Error); ok {
			return &Error{Pos: se.Pos, Msg: se.Msg}
		}
		return err
	}
	imports := map[string]bool{}
	for _, im := range f.Imports {
		if _, ok := modules[im.Name]; !ok {
			return &Error{Pos: im.Pos, Msg: fmt.Sprintf("unknown module %q", im.Name)}
		}
		imports[im.Name] = true
		c.addModule(im.Name)
	}
	for _, o := range f.Order {
		if o < 0 {
			if err := c.include(name, f.Includes[-o-1], ns); err != nil {
				return err
			}
			continue
		}
		if err := c.rule(f.Rules[o], ns, imports); err != nil {
			return err
		}
	}
	return nil
}

func (c *Compiler) addModule(name string) {
	for _, m := range c.rules.modules {
		if m == name {
			return
		}
	}
	c.rules.modules = append(c.rules.modules, name)
}

func (c *Compiler) include(from string, inc syntax.Include, ns string) error {
	path := inc.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(from), path)
	}
	for _, s := range c.stack {
		if filepath.Clean(s) == filepath.Clean(path) {
			return &Error{Pos: inc.Pos, Msg: fmt.Sprintf("include circular reference %q", inc.Path)}
		}
	}
	src, err := c.ReadFile(path)
	if err != nil {
		return &Error{Pos: inc.Pos, Msg: fmt.Sprintf("can't open include file: %s", inc.Path)}
	}
	return c.source(path, string(src), ns)
}
