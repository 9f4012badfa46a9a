// Package yara compiles YARA rules (the language of yara 4.2) into a
// Rules set: each rule's strings as byte patterns for a scanner, and its
// condition as a type-checked program evaluated over the scanner's
// matches. Scanning itself lives in internal/match/yara.
package yara

import "github.com/cascade-ir/cascade/internal/intel/yara/regex"

// Rules is a compiled rule set; it is immutable and safe to share.
type Rules struct {
	Rules   []*Rule
	Strings []*String // every string of every rule, by global index
	// externals are the declared external variables with their default
	// values (string, int64, float64 or bool).
	externals map[string]any
	modules   []string
	// gatedBy[g] are the rules whose first gate group holds string g.
	gatedBy   [][]int32
	hasGlobal bool
}

// Rule is one compiled rule.
type Rule struct {
	Name      string
	Namespace string
	Tags      []string
	Meta      []Meta
	Private   bool
	Global    bool
	File      string
	Line      int
	Strings   []int // global indices of the rule's strings, in order
	cond      evalFn
	// groups: when non-nil, the condition is false unless every group
	// holds (see ruleCompiler.gate); gatedBy indexes the first group's
	// strings.
	groups []gateGroup
}

// Meta is one metadata entry; Value is a string, int64 or bool.
type Meta struct {
	Key   string
	Value any
}

// StringKind says how a string was written.
type StringKind int

// String kinds.
const (
	Text StringKind = iota
	Hex
	Regex
)

// String is one compiled string: literal byte variants for text strings
// (every modifier expanded), pattern programs for hex strings and
// regular expressions.
type String struct {
	Rule     int // index in Rules.Rules
	Name     string
	Kind     StringKind
	Private  bool
	Fullword bool
	Literals []Literal
	Patterns []Pattern
}

// Literal is one byte sequence a text string may appear as.
type Literal struct {
	Bytes  []byte
	Nocase bool // ASCII letters match either case
	Wide   bool // UTF-16LE form: fullword checks look two bytes out
}

// Pattern is one form of a hex string or regular expression.
type Pattern struct {
	Node *regex.Node
	Prog *regex.Prog
	Wide bool
	// Limit bounds a match's length (YARA scans regular expressions at
	// most 4096 bytes ahead); -1 means the pattern's own bound.
	Limit int
}

// Match is one match of a string: its offset and length in the data.
type Match struct {
	Off int64
	Len int
}
