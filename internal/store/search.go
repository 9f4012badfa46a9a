package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/version"
)

// Search kinds: what a fleet search looks for.
const (
	SearchDigest  = "digest"  // a file's sha256, sha1 or md5 (by length)
	SearchName    = "name"    // a file name (the last path element), a glob
	SearchPath    = "path"    // a whole file path, a glob
	SearchProduct = "product" // software name[@range]
	SearchDomain  = "domain"  // a domain and its subdomains
	SearchURL     = "url"     // a URL, normalized
	SearchIP      = "ip"      // an IP address
)

// SearchKinds lists the kinds in the order the API documents them.
var SearchKinds = []string{SearchDigest, SearchName, SearchPath, SearchProduct, SearchDomain, SearchURL, SearchIP}

// MinGlobPrefix is how many literal characters a name or path pattern must
// start with: the prefix is an index range; a pattern without one would
// read every file observation.
const MinGlobPrefix = 3

// SearchQuery is one fleet search over every host's history.
type SearchQuery struct {
	Kind string
	Q    string
	// From and To (either may be zero: open) keep observations whose
	// [first seen, last seen] overlaps them; one still present is seen
	// until now.
	From, To time.Time
	// Cursor continues a search from a page's Next.
	Cursor string
	// Limit caps the observations a page reads (default 100, at most
	// 1000); filters after the index (a glob, a version range, a URL)
	// may leave fewer hits than that.
	Limit int
}

// SearchHit is one observation that matched, with what matched in it.
type SearchHit struct {
	Obs
	Matched string
}

// SearchPage is one page of a search.
type SearchPage struct {
	Hits []SearchHit
	// Next continues the search; empty when it is done.
	Next string
	// Read is how many observations the page read from the index.
	Read int
}

// Searcher finds every host that has or ever had something.
type Searcher interface {
	// Search runs q over the whole history; an invalid or unbounded
	// query fails with an error wrapping ErrInvalidSearch.
	Search(ctx context.Context, q SearchQuery) (SearchPage, error)
}

// ErrInvalidSearch: a search query is malformed or would read everything.
var ErrInvalidSearch = errors.New("invalid search")

var hexRe = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// InferSearchKind guesses a query's kind from its shape: 64, 40 or 32 hex
// digits are a digest; scheme:// a URL; an address an IP; a / or \ a path;
// name@version or name@range a product; a dotted name without wildcards a
// domain; anything else a file name.
func InferSearchKind(q string) string {
	q = strings.TrimSpace(q)
	switch {
	case (len(q) == 64 || len(q) == 40 || len(q) == 32) && hexRe.MatchString(q):
		return SearchDigest
	case strings.Contains(q, "://"):
		return SearchURL
	}
	if _, err := netip.ParseAddr(q); err == nil {
		return SearchIP
	}
	switch {
	case strings.ContainsAny(q, `/\`):
		return SearchPath
	case strings.LastIndexByte(q, '@') > 0:
		return SearchProduct
	case strings.Contains(q, ".") && !strings.ContainsAny(q, "*? ") && domainRe.MatchString(q) && !fileExt(q):
		return SearchDomain
	}
	return SearchName
}

var domainRe = regexp.MustCompile(`^(?i)[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$`)

// fileExt reports a name ending in a common executable or archive
// extension, which reads as a file, not a domain.
func fileExt(q string) bool {
	i := strings.LastIndexByte(q, '.')
	switch strings.ToLower(q[i+1:]) {
	case "exe", "dll", "sys", "so", "dylib", "js", "py", "jar", "msi", "zip", "ps1", "bat", "cmd", "sh", "dmg", "pkg", "deb", "rpm", "txt", "lnk":
		return true
	}
	return false
}

// GlobPrefix checks a name or path pattern (* any run, ? one character,
// case-insensitive) and returns its literal start folded to ASCII lower
// case, the part an index range serves. It stops at the first wildcard
// or character outside printable ASCII; fewer than MinGlobPrefix
// characters there is refused.
func GlobPrefix(pattern string) (string, error) {
	if pattern == "" {
		return "", fmt.Errorf("%w: an empty pattern", ErrInvalidSearch)
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '*' || c == '?' || c < 0x20 || c >= 0x7f {
			break
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if b.Len() < MinGlobPrefix {
		return "", fmt.Errorf("%w: pattern %q must start with at least %d literal characters before any * or ?: "+
			"the start is what the index looks up, and a pattern without one would read every file ever seen "+
			"(search by name for a file anywhere, e.g. 3CXDesktopApp*.exe)", ErrInvalidSearch, truncate(pattern, 80), MinGlobPrefix)
	}
	return b.String(), nil
}

// GlobMatch reports whether s matches pattern, case-insensitively (Unicode
// simple folding): * matches any run of characters, path separators
// included, ? exactly one.
func GlobMatch(pattern, s string) bool {
	// Iterative matching with one backtrack point: linear in practice,
	// never exponential.
	p, n := []rune(pattern), []rune(s)
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || foldEq(p[pi], n[ni])):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	return unicode.ToLower(a) == unicode.ToLower(b) || unicode.ToUpper(a) == unicode.ToUpper(b)
}

// BaseName is a path's last element, with / and \ both separators.
func BaseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// VersionCmp is one comparison of a version range: Op is >=, <=, >, <,
// = or !=.
type VersionCmp struct {
	Op, V string
}

// VersionRange is a conjunction of comparisons in a product's ecosystem
// order (internal/version); empty matches every version.
type VersionRange []VersionCmp

// ParseProduct splits name@range: the range is comma-separated
// comparisons (>=1.2, <2, =1.5, or a bare version meaning =).
func ParseProduct(q string) (string, VersionRange, error) {
	i := strings.LastIndexByte(q, '@')
	if i <= 0 {
		if productKey(q) == "" {
			return "", nil, fmt.Errorf("%w: product %q has no letters or digits", ErrInvalidSearch, q)
		}
		return q, nil, nil
	}
	name, spec := strings.TrimSpace(q[:i]), strings.TrimSpace(q[i+1:])
	if productKey(name) == "" {
		return "", nil, fmt.Errorf("%w: product %q has no letters or digits", ErrInvalidSearch, name)
	}
	var r VersionRange
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" || part == "*" {
			continue
		}
		op := "="
		for _, o := range []string{">=", "<=", "==", "!=", ">", "<", "="} {
			if strings.HasPrefix(part, o) {
				op, part = o, strings.TrimSpace(part[len(o):])
				break
			}
		}
		if part == "" {
			return "", nil, fmt.Errorf("%w: version comparison %q has no version", ErrInvalidSearch, op)
		}
		r = append(r, VersionCmp{op, part})
	}
	return name, r, nil
}

// Contains reports whether v (of ecosystem) is in the range.
func (r VersionRange) Contains(ecosystem, v string) bool {
	for _, c := range r {
		n := version.CompareIn(ecosystem, v, c.V)
		ok := false
		switch c.Op {
		case ">=":
			ok = n >= 0
		case "<=":
			ok = n <= 0
		case ">":
			ok = n > 0
		case "<":
			ok = n < 0
		case "!=":
			ok = n != 0
		default:
			ok = n == 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// productKey reports whether a product name has a letter or digit.
func productKey(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, name)
}
