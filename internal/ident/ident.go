// Package ident normalizes the names records are matched and stored by:
// product names, domains and URLs. The matcher and the fleet store both use
// it, so a candidate the store selects by an index is the one the matcher
// confirms. Standard library only; it imports nothing of ours.
package ident

import (
	"net/url"
	"strings"
)

// ProductKey is the normalized product name advisories are looked up by:
// lower case, letters and digits only ("3CX Desktop App" and
// "3CXDesktopApp" are one key). Stores index software by it so a
// retro-hunt can select candidates with SQL before confirming each.
func ProductKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Domain is a domain name as matched: lower case, without trailing dots.
func Domain(d string) string { return strings.TrimRight(strings.ToLower(d), ".") }

// NormalizeURL adds a scheme to a scheme-less URL so it parses with a host.
func NormalizeURL(v string) string {
	if !strings.Contains(v, "://") {
		return "http://" + v
	}
	return v
}

// SplitURL returns the lower-case host and the escaped path of a URL (one
// without a scheme is taken as http); ok is false when it has no host.
func SplitURL(raw string) (host, escapedPath string, ok bool) {
	u, err := url.Parse(NormalizeURL(raw))
	if err != nil || u.Host == "" {
		return "", "", false
	}
	return strings.ToLower(u.Hostname()), u.EscapedPath(), true
}

// RecordDomain is the host name a network or download record is matched
// by: its domain, or else its URL's host.
func RecordDomain(domain, rawURL string) string {
	if d := Domain(domain); d != "" {
		return d
	}
	if host, _, ok := SplitURL(rawURL); ok {
		return host
	}
	return ""
}
