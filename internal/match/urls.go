package match

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/intel"
)

// urlRule matches observed URLs on one host. The host alone never makes a
// match for a URL indicator with a path: a path must match too, so the
// IconStorages repository on raw.githubusercontent.com does not flag every
// visit to raw.githubusercontent.com.
type urlRule struct {
	host string
	path *regexp.Regexp // nil: any path on the host
	ind  int
}

// "%d"/"%s" in reports stand for a number/word (icon%d.ico → icon0…icon15).
// They are swapped for tokens before parsing, since they are not valid
// URL escapes.
const (
	digitsToken = "cascadedigitsplaceholder"
	wordToken   = "cascadewordplaceholder"
)

func newURLRule(v string, ind int) (urlRule, error) {
	v = strings.NewReplacer("%d", digitsToken, "%s", wordToken).Replace(v)
	u, err := url.Parse(intel.NormalizeURL(v))
	if err != nil {
		return urlRule{}, fmt.Errorf("url %q: %w", v, err)
	}
	r := urlRule{host: strings.ToLower(u.Hostname()), ind: ind}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if p == "" {
		return r, nil
	}
	expr := regexp.QuoteMeta(p)
	expr = strings.ReplaceAll(expr, digitsToken, `[0-9]+`)
	expr = strings.ReplaceAll(expr, wordToken, `[^/]+`)
	r.path, err = regexp.Compile(`(?i)^` + expr + `(?:/.*)?$`)
	return r, err
}

// matches reports whether the observed URL (host already lower-cased) is
// covered by the rule.
func (r urlRule) matches(host, escapedPath string) bool {
	if host != r.host {
		return false
	}
	return r.path == nil || r.path.MatchString(escapedPath)
}

// splitURL returns the lower-case host and escaped path of an observed URL.
func splitURL(raw string) (host, path string, ok bool) { return ident.SplitURL(raw) }
