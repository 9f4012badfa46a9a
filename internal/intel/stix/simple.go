package stix

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/intel"
)

// A simple pattern is one or more observation expressions joined by OR,
// each a list of equality tests joined by OR, on properties that have a
// native indicator type:
//
//	[file:hashes.'SHA-256' = '…' OR file:hashes.MD5 = '…'] OR [domain-name:value = '…']
//
// Such a pattern matches exactly when one of its values does, so it is
// converted into one native indicator per value and indexed instead of
// evaluated. Anything else (AND, NOT, qualifiers, other operators or
// properties, non-string literals, comments) leaves the pattern alone.

// comparison is one test of a simple pattern.
type comparison struct {
	objType, prop, key, op, value string
}

// simpleIndicators converts a simple pattern. One value keeps the
// indicator's ID, several get "ID#n".
func simpleIndicators(base intel.Indicator, pattern string) ([]intel.Indicator, bool) {
	cmps, err := parseSimple(pattern)
	if err != nil || len(cmps) == 0 {
		return nil, false
	}
	out := make([]intel.Indicator, 0, len(cmps))
	for i, c := range cmps {
		ind := base
		ind.Pattern, ind.PatternType = "", ""
		if !nativeOf(c, &ind) {
			return nil, false
		}
		if len(cmps) > 1 {
			ind.ID = fmt.Sprintf("%s#%d", base.ID, i+1)
		}
		if ind.Validate() != nil {
			return nil, false
		}
		out = append(out, ind)
	}
	return out, true
}

// nativeOf sets the indicator's type and value for a comparison.
func nativeOf(c comparison, ind *intel.Indicator) bool {
	switch {
	case c.objType == "file" && c.prop == "hashes" && c.op == "=":
		t, ok := hashTypes[c.key]
		ind.Type, ind.Value = t, strings.ToLower(c.value)
		return ok
	case c.objType == "file" && c.prop == "name" && c.key == "" && c.op == "=":
		ind.Type, ind.Value = intel.Filename, exactNameRegex(c.value)
		return c.value != ""
	case c.objType == "domain-name" && c.prop == "value" && c.key == "" && c.op == "=":
		ind.Type, ind.Value = intel.Domain, strings.ToLower(c.value)
		return true
	case c.objType == "url" && c.prop == "value" && c.key == "" && c.op == "=":
		ind.Type, ind.Value = intel.URL, c.value
		return true
	case (c.objType == "ipv4-addr" || c.objType == "ipv6-addr") && c.prop == "value" && c.key == "":
		return ipOf(c, ind)
	}
	return false
}

func ipOf(c comparison, ind *intel.Indicator) bool {
	ind.Type, ind.Value = intel.IP, c.value
	want6 := c.objType == "ipv6-addr"
	switch c.op {
	case "=":
		a, err := netip.ParseAddr(c.value)
		return err == nil && a.Is6() == want6 && !strings.Contains(c.value, "/")
	case "ISSUBSET":
		p, err := intel.ParseCIDROrAddr(c.value)
		return err == nil && p.Addr().Is6() == want6
	}
	return false
}

// hashTypes maps the hash-algorithm-ov keys to digest types.
var hashTypes = map[string]intel.Type{"SHA-256": intel.SHA256, "SHA-1": intel.SHA1, "MD5": intel.MD5}

// exactNameRegex is the filename indicator (a regex over the full path)
// that matches a file whose name is exactly name, as STIX's file:name
// equality does: case-sensitive, after the last separator.
func exactNameRegex(name string) string {
	return exactNamePrefix + regexp.QuoteMeta(name) + "$"
}

const exactNamePrefix = `(?-i)(?:^|[\\/])`

// exactName reverses exactNameRegex.
func exactName(re string) (string, bool) {
	mid, ok := strings.CutPrefix(re, exactNamePrefix)
	if !ok {
		return "", false
	}
	mid, ok = strings.CutSuffix(mid, "$")
	if !ok {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(mid); i++ {
		if mid[i] == '\\' && i+1 < len(mid) {
			i++
		}
		b.WriteByte(mid[i])
	}
	name := b.String()
	return name, name != "" && regexp.QuoteMeta(name) == mid
}

// parseSimple reads a simple pattern, failing on anything outside the
// subset.
func parseSimple(p string) ([]comparison, error) {
	if !utf8.ValidString(p) {
		return nil, errors.New("pattern is not valid UTF-8")
	}
	s := &scanner{src: p}
	var out []comparison
	for {
		if !s.eat("[") {
			return nil, errors.New("want [")
		}
		for {
			c, err := s.comparison()
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			if !s.keyword("OR") {
				break
			}
		}
		if !s.eat("]") {
			return nil, errors.New("want ]")
		}
		if s.done() {
			return out, nil
		}
		if !s.keyword("OR") {
			return nil, errors.New("want OR")
		}
	}
}

type scanner struct {
	src string
	i   int
}

func (s *scanner) skip() {
	for s.i < len(s.src) && strings.IndexByte(" \t\r\n", s.src[s.i]) >= 0 {
		s.i++
	}
}

func (s *scanner) done() bool { s.skip(); return s.i == len(s.src) }

func (s *scanner) eat(tok string) bool {
	s.skip()
	if strings.HasPrefix(s.src[s.i:], tok) {
		s.i += len(tok)
		return true
	}
	return false
}

// keyword eats an upper-case keyword that is followed by a non-word byte.
func (s *scanner) keyword(kw string) bool {
	s.skip()
	rest := s.src[s.i:]
	if !strings.HasPrefix(rest, kw) || len(rest) > len(kw) && isWord(rest[len(kw)]) {
		return false
	}
	s.i += len(kw)
	return true
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (s *scanner) word() string {
	s.skip()
	j := s.i
	for j < len(s.src) && isWord(s.src[j]) {
		j++
	}
	w := s.src[s.i:j]
	s.i = j
	return w
}

func (s *scanner) comparison() (comparison, error) {
	var c comparison
	c.objType = s.word()
	if c.objType == "" || !s.eat(":") {
		return c, errors.New("want object type and ':'")
	}
	if c.prop = s.word(); c.prop == "" {
		return c, errors.New("want property")
	}
	if s.i < len(s.src) && s.src[s.i] == '.' {
		s.i++
		if s.i < len(s.src) && s.src[s.i] == '\'' {
			k, err := s.str()
			if err != nil {
				return c, err
			}
			c.key = k
		} else if c.key = s.word(); c.key == "" {
			return c, errors.New("want key")
		}
	}
	switch {
	case s.eat("="):
		c.op = "="
	case s.keyword("ISSUBSET"):
		c.op = "ISSUBSET"
	default:
		return c, errors.New("want = or ISSUBSET")
	}
	s.skip()
	v, err := s.str()
	c.value = v
	return c, err
}

// str reads a quoted string literal; \' and \\ are its only escapes.
func (s *scanner) str() (string, error) {
	if s.i >= len(s.src) || s.src[s.i] != '\'' {
		return "", errors.New("want string")
	}
	var b strings.Builder
	for j := s.i + 1; j < len(s.src); j++ {
		switch c := s.src[j]; c {
		case '\'':
			s.i = j + 1
			return b.String(), nil
		case '\\':
			if j+1 >= len(s.src) || (s.src[j+1] != '\'' && s.src[j+1] != '\\') {
				return "", errors.New("bad escape")
			}
			j++
			b.WriteByte(s.src[j])
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated string")
}
