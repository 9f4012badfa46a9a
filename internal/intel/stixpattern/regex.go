package stixpattern

import (
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// compileOperand prepares the constant of LIKE, MATCHES, ISSUBSET and
// ISSUPERSET when the comparison is parsed, so a bad constant is a pattern
// error, and matching does no compiling.
func (p *parser) compileOperand(n *cmpNode, litPos int) error {
	var err error
	switch n.op {
	case opLIKE:
		n.re, n.latin1, err = compileLike(n.lit.str)
	case opMATCHES:
		n.re, n.latin1, err = compileMatches(n.lit.str)
	case opISSUBSET, opISSUPERSET:
		n.prefix, err = parseIPOrCIDR(n.lit.str)
	default:
		return nil
	}
	if err != nil {
		return p.errAt(litPos, "%s %s: %v", n.op, n.text, err)
	}
	return nil
}

func isLatin1(s string) bool {
	for _, r := range s {
		if r > 0xFF {
			return false
		}
	}
	return true
}

// compileLike turns a LIKE pattern into an anchored regular expression:
// % is any sequence of characters (newlines included), _ exactly one
// character, everything else literal. There is no escape character. The
// pattern is NFC-normalized first (section 9.6.1).
func compileLike(pattern string) (*regexp.Regexp, bool, error) {
	pattern = norm.NFC.String(pattern)
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	return re, isLatin1(pattern), err
}

// compileMatches compiles a MATCHES regular expression: NFC-normalized,
// DOTALL, searched (not anchored), as section 9.6.1 requires. PCRE's \Z and
// its non-multiline $ ("end, or before a final newline") are translated;
// other PCRE-only syntax (backreferences, lookaround, possessive and atomic
// groups) is not supported by Go's RE2 engine and is a pattern error.
func compileMatches(src string) (*regexp.Regexp, bool, error) {
	src = norm.NFC.String(src)
	latin1 := isLatin1(src)
	expr := "(?s)" + translateBigZ(src)
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false, errorf("unsupported or invalid regular expression (Go RE2 syntax): %v", err)
	}
	if rewriteDollar(tree) {
		expr = tree.String()
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, false, errorf("unsupported or invalid regular expression (Go RE2 syntax): %v", err)
	}
	return re, latin1, nil
}

// translateBigZ replaces PCRE's \Z (end of subject or before a final
// newline) outside character classes with its equivalent.
func translateBigZ(src string) string {
	if !strings.Contains(src, `\Z`) {
		return src
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			if src[i+1] == 'Z' && !inClass {
				b.WriteString(`(?-m:$)`)
			} else {
				b.WriteString(src[i : i+2])
			}
			i++
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// rewriteDollar replaces each non-multiline $ with \n?\z, PCRE's meaning,
// and reports whether it changed anything.
func rewriteDollar(re *syntax.Regexp) bool {
	changed := false
	for i, sub := range re.Sub {
		if sub.Op == syntax.OpEndText && sub.Flags&syntax.WasDollar != 0 {
			nl := &syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{'\n'}}
			opt := &syntax.Regexp{Op: syntax.OpQuest, Sub: []*syntax.Regexp{nl}}
			end := &syntax.Regexp{Op: syntax.OpEndText}
			re.Sub[i] = &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{opt, end}}
			changed = true
			continue
		}
		changed = rewriteDollar(sub) || changed
	}
	return changed
}

// parseIPOrCIDR reads an IPv4 or IPv6 address or CIDR block. A bare
// address is a block of one (/32 or /128); host bits of a block are
// ignored.
func parseIPOrCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, errorf("not an IP address or CIDR block")
		}
		return pfx.Masked(), nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, errorf("not an IP address or CIDR block")
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// prefixContains reports whether block outer wholly contains block inner.
func prefixContains(outer, inner netip.Prefix) bool {
	return outer.Addr().Is4() == inner.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}
