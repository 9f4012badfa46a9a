package intel

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Warninglist kinds, as MISP names them.
const (
	WarnString    = "string"    // the whole value equals an entry
	WarnSubstring = "substring" // the value contains an entry
	WarnHostname  = "hostname"  // the host is an entry or a sub-domain of one
	WarnCIDR      = "cidr"      // the address falls in an entry's range
	WarnRegex     = "regex"     // the value matches an entry's regex
)

// Warninglist is a list of known-benign values (a MISP warninglist): an
// indicator or evidence value on it is a likely false positive, and the
// finding it causes is suppressed unless suppressed findings are asked for.
type Warninglist struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Version     int64  `json:"version,omitempty"`
	Kind        string `json:"type"`
	// Types limits the list to these indicator types; empty means all.
	Types   []Type   `json:"types,omitempty"`
	Entries []string `json:"list"`
	Source  string   `json:"source,omitempty"`
}

// Validate checks the kind and that every entry can be used: CIDR entries
// parse, regex entries compile.
func (w *Warninglist) Validate() error {
	if w.Name == "" {
		return errors.New("name is required")
	}
	switch w.Kind {
	case WarnString, WarnSubstring, WarnHostname:
		return nil
	case WarnCIDR:
		for _, e := range w.Entries {
			if _, err := ParseCIDROrAddr(e); err != nil {
				return err
			}
		}
		return nil
	case WarnRegex:
		for _, e := range w.Entries {
			if _, err := regexp.Compile(StripRegexDelimiters(e)); err != nil {
				return fmt.Errorf("regex %q: %w", e, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown warninglist type %q (want string, substring, hostname, cidr or regex)", w.Kind)
}

// ParseCIDROrAddr parses "10.0.0.0/8" or a single address as a prefix.
func ParseCIDROrAddr(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("cidr %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("address %q: %w", s, err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// StripRegexDelimiters turns a PCRE literal as MISP writes it ("/abc/i")
// into a Go expression ("(?i)abc"); other text is returned unchanged.
func StripRegexDelimiters(s string) string {
	if len(s) < 2 || s[0] != '/' {
		return s
	}
	end := strings.LastIndexByte(s, '/')
	if end <= 0 {
		return s
	}
	flags := s[end+1:]
	if strings.Trim(flags, "ims") != "" {
		return s
	}
	expr := s[1:end]
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	return expr
}
