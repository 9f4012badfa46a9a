package stixpattern

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pattern is a parsed, validated STIX 2.1 pattern. It is immutable and safe
// for concurrent use.
type Pattern struct {
	src    string
	root   *obsNode
	leaves []*obsNode // the bracketed observation expressions, in source order
}

// Source returns the pattern text as given to Parse.
func (p *Pattern) Source() string { return p.src }

// String returns the pattern in canonical form: normalized spacing, no
// comments, parentheses as written. Parsing it gives the same pattern.
func (p *Pattern) String() string { return p.root.String() }

// ObservationExpressions returns the text of each bracketed observation
// expression, in the order they appear (the numbering Result uses).
func (p *Pattern) ObservationExpressions() []string {
	out := make([]string, len(p.leaves))
	for i, l := range p.leaves {
		out[i] = p.src[l.pos:l.end]
	}
	return out
}

type obsKind uint8

const (
	obsSimple     obsKind = iota // [ comparison expression ]
	obsAnd                       // different observations, n-ary
	obsOr                        // n-ary
	obsFollowedBy                // binary, left associative
	obsWithin
	obsRepeats
	obsStartStop
)

// obsNode is a node of the observation-expression tree.
type obsNode struct {
	kind        obsKind
	pos, end    int
	kids        []*obsNode
	cmp         *cmpNode  // obsSimple
	leaf        int       // obsSimple: index in Pattern.leaves
	count       int64     // obsRepeats
	within      duration  // obsWithin
	start, stop time.Time // obsStartStop
	qualPos     int       // position of the qualifier keyword
	paren       bool      // written in parentheses
}

type cmpKind uint8

const (
	cmpAnd cmpKind = iota // same root object, n-ary
	cmpOr
	cmpTest
)

// op is a comparison operator.
type op uint8

const (
	opEQ op = iota
	opNEQ
	opLT
	opLE
	opGT
	opGE
	opIN
	opLIKE
	opMATCHES
	opISSUBSET
	opISSUPERSET
	opEXISTS
)

var opNames = [...]string{"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"}

func (o op) String() string { return opNames[o] }

// cmpNode is a node of a comparison expression.
type cmpNode struct {
	kind     cmpKind
	pos, end int
	kids     []*cmpNode
	op       op
	not      bool
	path     Path
	lit      literal
	set      []literal
	re       *regexp.Regexp // MATCHES, LIKE
	latin1   bool           // the MATCHES/LIKE text has only code points < U+0100
	prefix   netip.Prefix   // ISSUBSET, ISSUPERSET
	text     string         // the constant as written (for printing)
	setText  []string       // IN: each constant as written
	paren    bool           // written in parentheses
}

// Path is an object path: an object type and the steps from the object to
// the property compared (section 9.7).
type Path struct {
	ObjectType string
	Steps      []Step
}

// StepKind says what a path step does.
type StepKind uint8

const (
	StepKey      StepKind = iota // .name, .'quoted name' or the first property
	StepIndex                    // [n]
	StepAnyIndex                 // [*]
)

// Step is one step of an object path.
type Step struct {
	Kind  StepKind
	Key   string // StepKey
	Index int64  // StepIndex; may be negative (never matches)
}

// String renders the path in pattern syntax, quoting keys that need it.
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.ObjectType)
	b.WriteByte(':')
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(quoteKey(s.Key))
		case StepIndex:
			b.WriteString("[" + strconv.FormatInt(s.Index, 10) + "]")
		case StepAnyIndex:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// quoteKey quotes a property name unless it is a plain identifier.
func quoteKey(k string) string {
	plain := k != ""
	for i := 0; i < len(k) && plain; i++ {
		c := k[i]
		plain = isIdentStart(c) || (i > 0 && isDigit(c))
	}
	if _, kw := keywords[k]; plain && !kw {
		return k
	}
	return quoteString(k)
}

func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
