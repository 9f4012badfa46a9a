// Package warninglist compiles MISP-style warninglists (known-benign
// values) into a set the matcher asks whether an indicator or evidence
// value is a likely false positive.
package warninglist

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Set is compiled warninglists; safe for concurrent use.
type Set struct{ lists []list }

type list struct {
	name    string
	kind    string
	types   []intel.Type
	exact   map[string]bool
	subs    []string
	cidrs   []netip.Prefix
	regexes []*regexp.Regexp
}

// Compile builds a Set. An entry that cannot be used is an error naming
// the list.
func Compile(wls []intel.Warninglist) (*Set, error) {
	s := &Set{}
	for i := range wls {
		l, err := compile(&wls[i])
		if err != nil {
			return nil, fmt.Errorf("warninglist %q: %w", wls[i].Name, err)
		}
		s.lists = append(s.lists, l)
	}
	return s, nil
}

func compile(w *intel.Warninglist) (list, error) {
	if err := w.Validate(); err != nil {
		return list{}, err
	}
	l := list{name: w.Name, kind: w.Kind, types: w.Types, exact: map[string]bool{}}
	for _, e := range w.Entries {
		switch w.Kind {
		case intel.WarnString:
			l.exact[strings.ToLower(strings.TrimSpace(e))] = true
		case intel.WarnHostname:
			l.exact[normHost(e)] = true
		case intel.WarnSubstring:
			if e = strings.ToLower(e); e != "" {
				l.subs = append(l.subs, e)
			}
		case intel.WarnCIDR:
			p, _ := intel.ParseCIDROrAddr(e) // validated
			l.cidrs = append(l.cidrs, p)
		case intel.WarnRegex:
			l.regexes = append(l.regexes, regexp.MustCompile(intel.StripRegexDelimiters(e)))
		}
	}
	return l, nil
}

// Len is the number of lists.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.lists)
}

// Suppresses reports whether value, of indicator type kind (sha256,
// domain, url, ip, filename, …), is on a list that applies to that type,
// and names the first such list.
func (s *Set) Suppresses(kind intel.Type, value string) (name string, ok bool) {
	if s == nil || value == "" {
		return "", false
	}
	for i := range s.lists {
		l := &s.lists[i]
		if len(l.types) > 0 && !slices.Contains(l.types, kind) {
			continue
		}
		if l.has(kind, value) {
			return l.name, true
		}
	}
	return "", false
}

func (l *list) has(kind intel.Type, value string) bool {
	switch l.kind {
	case intel.WarnString:
		return l.exact[strings.ToLower(strings.TrimSpace(value))]
	case intel.WarnHostname:
		for h := hostOf(kind, value); h != ""; h = parent(h) {
			if l.exact[h] {
				return true
			}
		}
	case intel.WarnSubstring:
		v := strings.ToLower(value)
		for _, sub := range l.subs {
			if strings.Contains(v, sub) {
				return true
			}
		}
	case intel.WarnCIDR:
		return l.inCIDR(value)
	case intel.WarnRegex:
		for _, re := range l.regexes {
			if re.MatchString(value) {
				return true
			}
		}
	}
	return false
}

func (l *list) inCIDR(value string) bool {
	p, err := intel.ParseCIDROrAddr(value)
	if err != nil {
		return false
	}
	for _, c := range l.cidrs {
		// A range indicator is suppressed only when the list covers all of it.
		if c.Bits() <= p.Bits() && c.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// hostOf is the host name a value names: the value itself, or a URL's host.
func hostOf(kind intel.Type, value string) string {
	if kind == intel.URL || strings.Contains(value, "/") {
		u, err := url.Parse(intel.NormalizeURL(value))
		if err != nil {
			return ""
		}
		return normHost(u.Hostname())
	}
	return normHost(value)
}

func normHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimPrefix(h, "*.")
	h = strings.TrimPrefix(h, ".")
	return strings.TrimSuffix(h, ".")
}

func parent(h string) string {
	i := strings.IndexByte(h, '.')
	if i < 0 {
		return ""
	}
	return h[i+1:]
}
