// Package syntax reads YARA rule text: a lexer, a recursive-descent parser
// and the abstract syntax tree they build. It checks the grammar only;
// names, types and modifiers are checked by the compiler.
package syntax

import "fmt"

// Pos is a place in a rule file, 1-based.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is a syntax or compile error at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Kind is a token kind.
type Kind int

// Token kinds. Keywords and operators are kind Keyword/Op with their text.
const (
	EOF        Kind = iota
	Identifier      // rule names, externals, module members
	Keyword         // reserved words
	Op              // punctuation and operators
	Int             // integer literal (Val holds the value)
	Float           // float literal
	String          // "text" (Text holds the decoded bytes)
	Regex           // /re/flags (Text holds the pattern, Flags the modifiers)
	Hex             // { hex } (Text holds the raw body)
	StrID           // $name or $ or $name*
	StrCount        // #name
	StrOffset       // @name
	StrLength       // !name
)

// Token is one lexical token.
type Token struct {
	Kind  Kind
	Pos   Pos
	Text  string
	Int   int64
	Float float64
	Flags string
}

func (t Token) String() string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case String:
		return fmt.Sprintf("%q", t.Text)
	case Regex:
		return "/" + t.Text + "/"
	case Hex:
		return "hex string"
	}
	return fmt.Sprintf("%q", t.Text)
}

var keywords = map[string]bool{}

func init() {
	for _, k := range []string{"all", "and", "any", "ascii", "at", "base64", "base64wide", "condition",
		"contains", "defined", "endswith", "entrypoint", "false", "filesize", "for", "fullword", "global",
		"icontains", "iendswith", "iequals", "import", "in", "include", "istartswith", "matches", "meta",
		"nocase", "none", "not", "of", "or", "private", "rule", "startswith", "strings", "them", "true",
		"wide", "xor"} {
		keywords[k] = true
	}
}
