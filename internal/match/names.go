package match

import (
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// nameIndex matches signature-base style filename regexes against paths.
// Each regex's longest required literal goes into one Aho–Corasick
// automaton, so a path is scanned once and only the regexes whose literal
// occurs in it run; regexes without a usable literal always run.
type nameIndex struct {
	rules  []nameRule
	always []int
	lits   []string
	byLit  map[string][]int
	ac     *aho
}

type nameRule struct {
	re, fp *regexp.Regexp
	ind    int
}

func newNameIndex() *nameIndex { return &nameIndex{byLit: map[string][]int{}} }

func (n *nameIndex) add(ind int, expr, fp string) error {
	re, err := intel.CompileFilenameRegex(expr)
	if err != nil {
		return err
	}
	r := nameRule{re: re, ind: ind}
	if fp != "" {
		if r.fp, err = intel.CompileFilenameRegex(fp); err != nil {
			return err
		}
	}
	n.addRule(r, expr)
	return nil
}

// addPath adds a compiled path-indicator regex (see pathRegex).
func (n *nameIndex) addPath(ind int, re *regexp.Regexp) {
	n.addRule(nameRule{re: re, ind: ind}, re.String())
}

func (n *nameIndex) addRule(r nameRule, expr string) {
	idx := len(n.rules)
	n.rules = append(n.rules, r)
	lit := requiredLiteral(expr)
	if len(lit) < 3 {
		n.always = append(n.always, idx)
		return
	}
	if _, ok := n.byLit[lit]; !ok {
		n.lits = append(n.lits, lit)
	}
	n.byLit[lit] = append(n.byLit[lit], idx)
}

func (n *nameIndex) build() { n.ac = newAho(n.lits) }

// match calls fn with the indicator index of every rule that matches p.
func (n *nameIndex) match(p string, fn func(ind int)) {
	if len(n.rules) == 0 {
		return
	}
	try := func(ri int) {
		r := n.rules[ri]
		if r.re.MatchString(p) && (r.fp == nil || !r.fp.MatchString(p)) {
			fn(r.ind)
		}
	}
	for _, ri := range n.always {
		try(ri)
	}
	if n.ac == nil {
		return
	}
	for _, li := range n.ac.find(strings.ToLower(p)) {
		for _, ri := range n.byLit[n.lits[li]] {
			try(ri)
		}
	}
}

// requiredLiteral returns the longest literal every match of expr must
// contain, lower-cased, or "" when there is none.
func requiredLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	switch re.Op {
	case syntax.OpLiteral:
		return strings.ToLower(string(re.Rune))
	case syntax.OpConcat:
		best := ""
		cur := ""
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				cur += strings.ToLower(string(sub.Rune))
				if len(cur) > len(best) {
					best = cur
				}
				continue
			}
			cur = ""
		}
		return best
	}
	return ""
}
