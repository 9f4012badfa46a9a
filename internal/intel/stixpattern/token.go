package stixpattern

// tokKind is the kind of a lexical token, following the token names of the
// STIX 2.1 grammar (STIXPattern.g4).
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tIdentHyphen // an identifier containing '-': valid only as an object type
	tInt         // IntPosLiteral or IntNegLiteral
	tFloat       // FloatPosLiteral or FloatNegLiteral
	tString
	tBinary
	tHex
	tTimestamp
	tBool
	tAND
	tOR
	tNOT
	tFOLLOWEDBY
	tLIKE
	tMATCHES
	tISSUPERSET
	tISSUBSET
	tEXISTS
	tLAST
	tIN
	tSTART
	tSTOP
	tSECONDS
	tWITHIN
	tREPEATS
	tTIMES
	tEQ
	tNEQ
	tLT
	tLE
	tGT
	tGE
	tColon
	tDot
	tComma
	tLParen
	tRParen
	tLBrack
	tRBrack
	tAsterisk
	tOther // a token of the grammar no rule uses: + - ^ /
)

// keywords maps the grammar's keywords (case-sensitive, as in STIX 2.1) to
// their token kinds. true and false are boolean literals.
var keywords = map[string]tokKind{
	"AND": tAND, "OR": tOR, "NOT": tNOT, "FOLLOWEDBY": tFOLLOWEDBY,
	"LIKE": tLIKE, "MATCHES": tMATCHES, "ISSUPERSET": tISSUPERSET,
	"ISSUBSET": tISSUBSET, "EXISTS": tEXISTS, "LAST": tLAST, "IN": tIN,
	"START": tSTART, "STOP": tSTOP, "SECONDS": tSECONDS, "WITHIN": tWITHIN,
	"REPEATS": tREPEATS, "TIMES": tTIMES, "true": tBool, "false": tBool,
}

// token is one lexical token with its decoded value.
type token struct {
	kind tokKind
	pos  int    // byte offset of the first byte
	end  int    // byte offset after the last byte
	text string // source text
	lit  literal
}

// describe renders a token for an error message.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of pattern"
	}
	s := t.text
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return "'" + s + "'"
}

// kindNames are the names used in "expected …" messages.
var kindNames = map[tokKind]string{
	tEOF: "end of pattern", tIdent: "identifier", tIdentHyphen: "identifier",
	tInt: "integer", tFloat: "float", tString: "string literal",
	tBinary: "binary literal", tHex: "hex literal", tTimestamp: "timestamp literal t'…'",
	tBool: "boolean", tEQ: "'='", tNEQ: "'!='", tLT: "'<'", tLE: "'<='",
	tGT: "'>'", tGE: "'>='", tColon: "':'", tDot: "'.'", tComma: "','",
	tLParen: "'('", tRParen: "')'", tLBrack: "'['", tRBrack: "']'", tAsterisk: "'*'",
}

func kindName(k tokKind) string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	for w, kk := range keywords {
		if kk == k && k != tBool {
			return w
		}
	}
	return "token"
}
