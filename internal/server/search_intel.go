package server

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/store"
)

// searchIntelScore is the score of an indicator saved from a search: a
// lead an analyst chose to hunt, not a verdict.
const searchIntelScore = 50

var searchNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// SearchIntelName is the intel document a saved search becomes.
func SearchIntelName(name string) string { return "search:" + name }

// searchIntel writes a search as a native intel document (source
// search:<name>) holding one indicator or advisory that matches what the
// search finds, so it hunts like any other indicator.
func searchIntel(name, kind, q, actor string) ([]byte, error) {
	if !searchNameRe.MatchString(name) {
		return nil, fmt.Errorf("%w: a saved search's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", errBadIntel)
	}
	q = strings.TrimSpace(q)
	src := intel.Source{ID: "search-" + name, Name: SearchIntelName(name), Kind: "cascade",
		Description: fmt.Sprintf("saved from a fleet search (%s %q) by %s", kind, q, actor)}
	ind := intel.Indicator{ID: "search-" + name, Score: searchIntelScore, Sources: []string{src.ID},
		Description: fmt.Sprintf("fleet search %s %q", kind, q)}
	doc := map[string]any{"schema": intel.Schema, "source": src}
	switch kind {
	case store.SearchDigest:
		ind.Value = strings.ToLower(q)
		switch len(q) {
		case 64:
			ind.Type = intel.SHA256
		case 40:
			ind.Type = intel.SHA1
		case 32:
			ind.Type = intel.MD5
		default:
			return nil, fmt.Errorf("%w: a digest is 64, 40 or 32 hex digits", errBadIntel)
		}
	case store.SearchName, store.SearchPath:
		if _, err := store.GlobPrefix(q); err != nil {
			return nil, err
		}
		// A filename indicator is a case-insensitive regex over the whole
		// path, as the search's glob is.
		re := globRegex(q) + "$"
		if kind == store.SearchName {
			re = `(?:^|[\\/])` + re
		} else {
			re = "^" + re
		}
		ind.Type, ind.Value = intel.Filename, re
	case store.SearchDomain:
		ind.Type, ind.Value = intel.Domain, strings.TrimSuffix(strings.ToLower(q), ".")
	case store.SearchURL:
		ind.Type, ind.Value = intel.URL, q
	case store.SearchIP:
		ind.Type, ind.Value = intel.IP, q
	case store.SearchProduct:
		product, rng, err := store.ParseProduct(q)
		if err != nil {
			return nil, err
		}
		af := intel.Affected{}
		var r intel.Range
		for _, c := range rng {
			switch c.Op {
			case ">=":
				r.Introduced = c.V
			case "<":
				r.Fixed = c.V
			case "=", "==":
				af.Versions = append(af.Versions, c.V)
			default:
				return nil, fmt.Errorf("%w: an advisory holds exact versions and [introduced, fixed) ranges; %s%s cannot be saved (write >= and <)", errBadIntel, c.Op, c.V)
			}
		}
		if len(af.Versions) == 0 || r != (intel.Range{}) {
			af.Ranges = []intel.Range{r}
		}
		if len(af.Versions) > 0 && r != (intel.Range{}) {
			return nil, fmt.Errorf("%w: a saved product search is exact versions or one range, not both", errBadIntel)
		}
		doc["advisories"] = []intel.Advisory{{ID: "search-" + name, Title: "fleet search " + q, Product: product,
			Affected: []intel.Affected{af}, Score: searchIntelScore, Sources: []string{src.ID}}}
		return json.MarshalIndent(doc, "", "  ")
	default:
		return nil, fmt.Errorf("%w: unknown search kind %q", errBadIntel, kind)
	}
	doc["indicators"] = []intel.Indicator{ind}
	return json.MarshalIndent(doc, "", "  ")
}

// globRegex is a glob (* any run, ? one character) as a regular
// expression; the rest is literal.
func globRegex(g string) string {
	var b strings.Builder
	for _, r := range g {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}
