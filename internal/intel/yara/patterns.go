package yara

import (
	"bytes"
	"encoding/base64"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/yara/regex"
	"github.com/cascade-ir/cascade/internal/intel/yara/syntax"
)

// regexScanLimit is how far past its start a regular expression may
// match, as YARA's RE_SCAN_LIMIT.
const regexScanLimit = 4096

// stdAlphabet is base64's standard alphabet.
const stdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// checkModifiers rejects the combinations YARA rejects.
func checkModifiers(m syntax.Modifiers) string {
	switch {
	case m.Xor && m.Nocase:
		return "invalid modifier combination: xor nocase"
	case (m.Base64 || m.Base64Wide) && m.Nocase:
		return "invalid modifier combination: base64 nocase"
	case (m.Base64 || m.Base64Wide) && m.Xor:
		return "invalid modifier combination: base64 xor"
	case (m.Base64 || m.Base64Wide) && m.Fullword:
		return "invalid modifier combination: base64 fullword"
	case m.Base64 && m.Base64Wide && m.Alphabet != m.WideAlphabet:
		return "invalid modifier combination: different base64 alphabets"
	}
	return ""
}

func widen(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, c, 0)
	}
	return out
}

// textLiterals expands a text string's modifiers into its byte forms.
func textLiterals(s []byte, m syntax.Modifiers) []Literal {
	var out []Literal
	add := func(b []byte, wide bool) {
		for _, l := range out {
			if bytes.Equal(l.Bytes, b) && l.Wide == wide {
				return
			}
		}
		out = append(out, Literal{Bytes: b, Nocase: m.Nocase, Wide: wide})
	}
	if m.Base64 || m.Base64Wide {
		if m.Base64 {
			for _, enc := range base64Forms(s, m.Alphabet) {
				add([]byte(enc), false)
			}
		}
		if m.Base64Wide {
			for _, enc := range base64Forms(s, m.WideAlphabet) {
				add(widen([]byte(enc)), true)
			}
		}
		return out
	}
	var forms [][]byte
	var wides []bool
	if m.ASCII || !m.Wide {
		forms, wides = append(forms, s), append(wides, false)
	}
	if m.Wide {
		forms, wides = append(forms, widen(s)), append(wides, true)
	}
	for i, f := range forms {
		if !m.Xor {
			add(f, wides[i])
			continue
		}
		for k := m.XorLo; k <= m.XorHi; k++ {
			x := make([]byte, len(f))
			for j, c := range f {
				x[j] = c ^ byte(k)
			}
			add(x, wides[i])
		}
	}
	return out
}

// base64Forms returns the three encodings of s at offsets 0, 1 and 2 of
// a base64 stream, trimmed of the characters that depend on the
// neighbouring bytes.
func base64Forms(s []byte, alpha string) []string {
	if alpha == "" {
		alpha = stdAlphabet
	}
	enc := base64.NewEncoding(alpha).WithPadding(base64.NoPadding)
	var out []string
	for shift := 0; shift < 3; shift++ {
		buf := append(make([]byte, shift), s...)
		e := enc.EncodeToString(buf)
		lead := [3]int{0, 2, 3}[shift]
		trail := [3]int{0, 1, 1}[len(buf)%3]
		if lead+trail >= len(e) {
			continue
		}
		out = append(out, e[lead:len(e)-trail])
	}
	return out
}

// widenNode turns a pattern into its UTF-16LE form: a zero after every
// byte.
func widenNode(n *regex.Node) *regex.Node {
	switch n.Op {
	case regex.OpClass:
		var z regex.Set
		z.Add(0)
		return &regex.Node{Op: regex.OpConcat, Subs: []*regex.Node{n, {Op: regex.OpClass, Set: z}}}
	case regex.OpConcat, regex.OpAlt, regex.OpRepeat:
		c := *n
		c.Subs = make([]*regex.Node, len(n.Subs))
		for i, s := range n.Subs {
			c.Subs[i] = widenNode(s)
		}
		return &c
	case regex.OpWordB, regex.OpNotWordB:
		c := *n
		c.Wide = true
		return &c
	}
	return n
}

// patternString compiles a hex string or regular expression.
func patternString(d *syntax.StringDef) ([]Pattern, string, int) {
	var n *regex.Node
	var err error
	limit := -1
	if d.Kind == syntax.HexString {
		n, err = regex.ParseHex(d.Text)
	} else {
		n, err = regex.Parse(d.Text, d.Mods.Nocase || strings.Contains(d.Flags, "i"), strings.Contains(d.Flags, "s"))
		limit = regexScanLimit
	}
	if err != nil {
		off := 0
		if re, ok := err.(*regex.Error); ok {
			off = re.Off
		}
		return nil, err.Error(), off
	}
	var nodes []*regex.Node
	var wides []bool
	if d.Mods.ASCII || !d.Mods.Wide {
		nodes, wides = append(nodes, n), append(wides, false)
	}
	if d.Mods.Wide {
		nodes, wides = append(nodes, widenNode(n)), append(wides, true)
	}
	var out []Pattern
	for i, nd := range nodes {
		p, err := regex.Compile(nd)
		if err != nil {
			return nil, err.Error(), 0
		}
		out = append(out, Pattern{Node: nd, Prog: p, Wide: wides[i], Limit: limit})
	}
	return out, "", 0
}
