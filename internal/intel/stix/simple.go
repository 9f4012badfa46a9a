package stix

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// A simple pattern is one whose native indicators match exactly what the
// pattern matches. stixpattern parses it (there is no second parser of
// the language here); Pattern.Disjunction gives its comparisons when it is
// observation expressions joined by OR, each of comparisons joined by OR:
//
//	[file:hashes.'SHA-256' = '…' OR file:hashes.MD5 = '…'] OR [file:name = '…']
//
// Such a pattern matches exactly when one of its values does, so it is
// converted into one native indicator per value and indexed instead of
// evaluated, when every comparison has a native equivalent:
//
//   - file:hashes.'SHA-256'/'SHA-1'/MD5 = and file:name = ;
//   - ipv4-addr:value/ipv6-addr:value = an address or ISSUBSET a range;
//   - domain-name:value = 'd' together with domain-name:value LIKE '%.d',
//     which is what a native domain indicator matches (the domain and its
//     sub-domains) and how one is exported. domain-name:value = 'd' alone
//     matches d only (STIX equality) and stays a pattern, as does every
//     url:value test (a native url indicator also matches addresses below
//     its path, so it is exported with cascade's own pattern type).
//
// Anything else (AND, NOT, qualifiers, parentheses, other operators,
// properties or literals) leaves the pattern to the evaluator, which is
// the one `cascade intel match` runs.

// comparison is one test of a simple pattern.
type comparison struct {
	objType, prop, key, op, value string
}

// simpleIndicators converts a simple pattern. One value keeps the
// indicator's ID, several get "ID#n".
func simpleIndicators(base intel.Indicator, pattern string) ([]intel.Indicator, bool) {
	cmps, ok := parseSimple(pattern)
	if !ok || len(cmps) == 0 {
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
	case c.objType == "domain-name" && c.prop == "value" && c.key == "" && c.op == opDomainTree:
		ind.Type, ind.Value = intel.Domain, c.value
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

// opDomainTree stands for the pair domain-name:value = 'd' OR
// domain-name:value LIKE '%.d': the domain and every sub-domain.
const opDomainTree = "domain-tree"

// parseSimple reads a simple pattern with stixpattern, failing on anything
// outside the subset.
func parseSimple(p string) ([]comparison, bool) {
	pat, err := stixpattern.Parse(p)
	if err != nil {
		return nil, false
	}
	tests, ok := pat.Disjunction()
	if !ok {
		return nil, false
	}
	out := make([]comparison, 0, len(tests))
	for _, t := range tests {
		c, ok := comparisonOf(t)
		if !ok {
			return nil, false
		}
		out = append(out, c)
	}
	return pairDomains(out)
}

// comparisonOf flattens a path of one or two keys (file:hashes.MD5,
// domain-name:value).
func comparisonOf(t stixpattern.Comparison) (comparison, bool) {
	c := comparison{objType: t.Path.ObjectType, op: t.Op, value: t.Value}
	steps := t.Path.Steps
	if len(steps) == 0 || len(steps) > 2 {
		return c, false
	}
	for _, s := range steps {
		if s.Kind != stixpattern.StepKey {
			return c, false
		}
	}
	c.prop = steps[0].Key
	if len(steps) == 2 {
		c.key = steps[1].Key
	}
	return c, true
}

// pairDomains replaces each domain-name:value = 'd' that comes with a
// domain-name:value LIKE '%.d' by one opDomainTree comparison. A domain
// equality without its LIKE, or a LIKE without its equality, is not simple.
// d must be what a native domain indicator compares: lower case, no
// trailing dot, no LIKE wildcard.
func pairDomains(cmps []comparison) ([]comparison, bool) {
	likes := map[string]bool{}
	for _, c := range cmps {
		if c.op == "LIKE" && isDomainValue(c) {
			d, ok := strings.CutPrefix(c.value, "%.")
			if !ok || !treeDomain(d) {
				return nil, false
			}
			likes[d] = true
		}
	}
	out := cmps[:0:0]
	for _, c := range cmps {
		switch {
		case c.op == "LIKE":
			continue // consumed by its equality below, or checked there
		case c.op == "=" && isDomainValue(c):
			if !likes[c.value] || !treeDomain(c.value) {
				return nil, false
			}
			delete(likes, c.value)
			c.op = opDomainTree
		}
		out = append(out, c)
	}
	return out, len(likes) == 0 && !hasOtherLike(cmps)
}

func isDomainValue(c comparison) bool {
	return c.objType == "domain-name" && c.prop == "value" && c.key == ""
}

// hasOtherLike reports a LIKE that is not on domain-name:value.
func hasOtherLike(cmps []comparison) bool {
	for _, c := range cmps {
		if c.op == "LIKE" && !isDomainValue(c) {
			return true
		}
	}
	return false
}

func treeDomain(d string) bool {
	return d != "" && d == strings.ToLower(d) && !strings.HasSuffix(d, ".") && !strings.ContainsAny(d, "%_")
}

// domainTreePattern is the STIX pattern of a native domain indicator.
func domainTreePattern(d string) string {
	return "[domain-name:value = " + quote(d) + " OR domain-name:value LIKE " + quote("%."+d) + "]"
}
