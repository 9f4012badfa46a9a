package syntax

// File is one parsed rule file, its items in source order.
type File struct {
	Imports  []Import
	Includes []Include
	Rules    []*Rule
	// Order interleaves includes and rules: Order[i] >= 0 is Rules[i],
	// < 0 is Includes[-i-1]. The compiler expands includes in place.
	Order []int
}

// Import is `import "name"`.
type Import struct {
	Pos  Pos
	Name string
}

// Include is `include "path"`.
type Include struct {
	Pos  Pos
	Path string
}

// Rule is one rule declaration.
type Rule struct {
	Pos     Pos
	Name    string
	Private bool
	Global  bool
	Tags    []string
	Meta    []Meta
	Strings []*StringDef
	Cond    Expr
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
	TextString StringKind = iota
	HexString
	RegexString
)

// StringDef is one entry of a rule's strings section.
type StringDef struct {
	Pos   Pos
	Name  string // "$a", or "$" for an anonymous string
	Kind  StringKind
	Text  string // text value, regex pattern or raw hex body
	Flags string // regex flags ("i", "s")
	Mods  Modifiers
}

// Modifiers are a string's modifiers as written.
type Modifiers struct {
	Nocase, ASCII, Wide, Fullword, Private bool
	Xor                                    bool
	XorLo, XorHi                           int
	Base64, Base64Wide                     bool
	Alphabet, WideAlphabet                 string
	Seen                                   []string // names in order, for error messages
}

// Expr is a condition expression node.
type Expr interface{ Position() Pos }

// Node types. Each carries the position of its first token.
type (
	IntLit struct {
		P Pos
		V int64
	}
	FloatLit struct {
		P Pos
		V float64
	}
	StrLit struct {
		P Pos
		V string
	}
	BoolLit struct {
		P Pos
		V bool
	}
	RegexLit struct {
		P           Pos
		Text, Flags string
	}
	// Keyword is filesize, entrypoint or them.
	KeywordExpr struct {
		P    Pos
		Name string
	}
	Ident struct {
		P    Pos
		Name string
	}
	Member struct {
		P    Pos
		X    Expr
		Name string
	}
	Index struct {
		P Pos
		X Expr
		I Expr
	}
	Call struct {
		P    Pos
		Fn   Expr
		Args []Expr
	}
	// StringRef is $a, optionally `at X` or `in (R)`.
	StringRef struct {
		P    Pos
		Name string
		At   Expr
		In   *Range
	}
	// StringCount is #a, optionally `in (R)`.
	StringCount struct {
		P    Pos
		Name string
		In   *Range
	}
	// StringOffset is @a or @a[i]; StringLength is !a or !a[i].
	StringOffset struct {
		P    Pos
		Name string
		I    Expr
	}
	StringLength struct {
		P    Pos
		Name string
		I    Expr
	}
	Unary struct {
		P  Pos
		Op string // not, defined, -, ~
		X  Expr
	}
	Binary struct {
		P    Pos
		Op   string
		L, R Expr
	}
	Range struct {
		P      Pos
		Lo, Hi Expr
	}
	// Quant is all, any, none, an expression, or a percentage.
	Quant struct {
		P    Pos
		Kind string // all, any, none, expr, percent
		N    Expr
	}
	// StringSet is `them` (Them) or a list of $names with wildcards.
	StringSet struct {
		P     Pos
		Them  bool
		Names []string
	}
	// Of is `Q of SET [in (R)]`.
	Of struct {
		P   Pos
		Q   Quant
		Set StringSet
		In  *Range
	}
	// ForOf is `for Q of SET : (BODY)`.
	ForOf struct {
		P    Pos
		Q    Quant
		Set  StringSet
		Body Expr
	}
	// ForIn is `for Q VARS in ITER : (BODY)`; ITER is a Range, an
	// Enum, or an expression naming an array or dictionary.
	ForIn struct {
		P    Pos
		Q    Quant
		Vars []string
		Iter Expr
		Body Expr
	}
	Enum struct {
		P     Pos
		Items []Expr
	}
	Paren struct {
		P Pos
		X Expr
	}
)

func (e *IntLit) Position() Pos       { return e.P }
func (e *FloatLit) Position() Pos     { return e.P }
func (e *StrLit) Position() Pos       { return e.P }
func (e *BoolLit) Position() Pos      { return e.P }
func (e *RegexLit) Position() Pos     { return e.P }
func (e *KeywordExpr) Position() Pos  { return e.P }
func (e *Ident) Position() Pos        { return e.P }
func (e *Member) Position() Pos       { return e.P }
func (e *Index) Position() Pos        { return e.P }
func (e *Call) Position() Pos         { return e.P }
func (e *StringRef) Position() Pos    { return e.P }
func (e *StringCount) Position() Pos  { return e.P }
func (e *StringOffset) Position() Pos { return e.P }
func (e *StringLength) Position() Pos { return e.P }
func (e *Unary) Position() Pos        { return e.P }
func (e *Binary) Position() Pos       { return e.P }
func (e *Range) Position() Pos        { return e.P }
func (e *Of) Position() Pos           { return e.P }
func (e *ForOf) Position() Pos        { return e.P }
func (e *ForIn) Position() Pos        { return e.P }
func (e *Enum) Position() Pos         { return e.P }
func (e *Paren) Position() Pos        { return e.P }
