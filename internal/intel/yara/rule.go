package yara

import (
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// ruleCompiler holds what one rule's condition may refer to.
type ruleCompiler struct {
	c       *Compiler
	ns      *namespace
	rule    *syntax.Rule
	imports map[string]bool
	strings map[string]int // "$a" → global index
	order   []int          // the rule's strings, global indices
	names   []string
	used    map[int]bool
	vars    []string // loop variables in scope, innermost last
	varTyps []typ
	varMT   []*mtype // module structure type of each loop variable (nil for scalars)
	inForOf int      // depth of for-of bodies ($ refers to the current string)
	// logs is set when the condition calls the console module, whose
	// messages must be emitted whatever the strings matched.
	logs bool
}

func (rc *ruleCompiler) errf(p syntax.Pos, format string, a ...any) error {
	return &Error{Pos: p, Rule: rc.rule.Name, Msg: fmt.Sprintf(format, a...)}
}

func (c *Compiler) rule(r *syntax.Rule, nsName string, imports map[string]bool) error {
	ns := c.ns[nsName]
	if ns == nil {
		ns = &namespace{rules: map[string]int{}}
		c.ns[nsName] = ns
	}
	if _, dup := ns.rules[r.Name]; dup {
		return &Error{Pos: r.Pos, Msg: fmt.Sprintf("duplicated identifier %q", r.Name)}
	}
	rc := &ruleCompiler{c: c, ns: ns, rule: r, imports: imports, strings: map[string]int{}, used: map[int]bool{}}
	idx := len(c.rules.Rules)
	if err := rc.compileStrings(idx); err != nil {
		return err
	}
	cond, _, err := rc.expr(r.Cond)
	if err != nil {
		return err
	}
	for i, g := range rc.order {
		if !rc.used[g] {
			return rc.errf(r.Strings[i].Pos, "unreferenced string %q", rc.names[i])
		}
	}
	out := &Rule{Name: r.Name, Namespace: nsName, Tags: r.Tags, Private: r.Private, Global: r.Global,
		File: r.Pos.File, Line: r.Pos.Line, Strings: rc.order, cond: cond}
	if !rc.logs {
		out.groups = rc.gate(r.Cond)
	}
	all := c.rules
	var first []int
	if len(out.groups) > 0 {
		first = out.groups[0].strs
	}
	for _, g := range first {
		for len(all.gatedBy) <= g {
			all.gatedBy = append(all.gatedBy, nil)
		}
		all.gatedBy[g] = append(all.gatedBy[g], int32(idx))
	}
	all.hasGlobal = all.hasGlobal || r.Global
	for _, m := range r.Meta {
		out.Meta = append(out.Meta, Meta{m.Key, m.Value})
	}
	c.rules.Rules = append(c.rules.Rules, out)
	ns.rules[r.Name] = idx
	return nil
}

func (rc *ruleCompiler) compileStrings(ruleIdx int) error {
	all := rc.c.rules
	for _, d := range rc.rule.Strings {
		if d.Name != "$" {
			if _, dup := rc.strings[d.Name]; dup {
				return rc.errf(d.Pos, "duplicated string identifier %q", d.Name)
			}
		}
		if msg := checkModifiers(d.Mods); msg != "" {
			return rc.errf(d.Pos, "%s", msg)
		}
		s := &String{Rule: ruleIdx, Name: d.Name, Private: d.Mods.Private, Fullword: d.Mods.Fullword}
		switch d.Kind {
		case syntax.TextString:
			s.Kind = Text
			s.Literals = textLiterals([]byte(d.Text), d.Mods)
		default:
			s.Kind = Hex
			if d.Kind == syntax.RegexString {
				s.Kind = Regex
			}
			pats, msg, off := patternString(d)
			if msg != "" {
				p := d.Pos
				p.Col += off
				return rc.errf(p, "%s", msg)
			}
			s.Patterns = pats
		}
		g := len(all.Strings)
		all.Strings = append(all.Strings, s)
		if d.Name != "$" {
			rc.strings[d.Name] = g
		}
		rc.order = append(rc.order, g)
		rc.names = append(rc.names, d.Name)
	}
	return nil
}

// stringSet resolves `them` or a list of names with wildcards.
func (rc *ruleCompiler) stringSet(s syntax.StringSet) ([]int, error) {
	if s.Them {
		if len(rc.order) == 0 {
			return nil, rc.errf(s.P, "undefined string identifier")
		}
		for _, g := range rc.order {
			rc.used[g] = true
		}
		return rc.order, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, n := range s.Names {
		found := false
		for i, g := range rc.order {
			name := rc.names[i]
			ok := name == n
			if p, wild := strings.CutSuffix(n, "*"); wild {
				ok = strings.HasPrefix(name, p)
			}
			if ok {
				found = true
				rc.used[g] = true
				if !seen[g] {
					seen[g] = true
					out = append(out, g)
				}
			}
		}
		if !found {
			return nil, rc.errf(s.P, "undefined string identifier %q", n)
		}
	}
	return out, nil
}

// stringRef resolves $a (or $ inside a for-of body); -1 is the current
// string of the enclosing for-of.
func (rc *ruleCompiler) stringRef(p syntax.Pos, name string) (int, error) {
	if len(name) == 1 {
		if rc.inForOf == 0 {
			return 0, rc.errf(p, "%q used outside of a for..of loop", name)
		}
		return -1, nil
	}
	g, ok := rc.strings["$"+name[1:]]
	if !ok {
		return 0, rc.errf(p, "undefined string %q", "$"+name[1:])
	}
	rc.used[g] = true
	return g, nil
}
