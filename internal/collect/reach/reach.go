// Package reach collects what endpoints record of the hosts their users
// connect to: SSH known_hosts and client configs, RDP connection history
// and PuTTY sessions in every user's NTUSER.DAT. Each record becomes a
// reach artifact (ssh-known-host, ssh-config-host, rdp-server,
// putty-session) for the tracer's `reaches` edges. Everything it reads is
// hostile input; it never resolves or contacts a host it reads.
package reach

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// stage is the PathError stage of this package's parse problems.
const stage = "parse:reach"

// What an artifact's LastSeen is (snapshot.Artifact.TimeFrom).
const (
	TimeFileMtime    = "file mtime"
	TimeKeyLastWrite = "key last-write"
)

// Collectors returns the package's path collectors.
func Collectors() []collect.PathCollector {
	return []collect.PathCollector{NewSSH(), NewRegistry()}
}

// setHost records the remote host as written in a.Host and parses it into
// a.Domain or a.IP and a.Port: "name", "addr", "[host]:port", "host:port"
// (one colon), an IPv6 address without brackets. A pattern, a token or
// anything else that is not a literal name or address leaves Domain and IP
// empty.
func setHost(a *snapshot.Artifact, written string) {
	a.Host = written
	h, port := splitHostPort(written)
	if port > 0 {
		a.Port = port
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		a.IP = addr.String()
		return
	}
	if isName(h) {
		a.Domain = strings.TrimRight(strings.ToLower(h), ".")
	}
}

// splitHostPort splits "[h]:p" and "h:p"; port is 0 when none is given.
func splitHostPort(s string) (string, int) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return s, 0
		}
		h, rest := s[1:end], s[end+1:]
		if p, ok := strings.CutPrefix(rest, ":"); ok {
			return h, parsePort(p)
		}
		return h, 0
	}
	if strings.Count(s, ":") == 1 {
		h, p, _ := strings.Cut(s, ":")
		if n := parsePort(p); n > 0 {
			return h, n
		}
	}
	return s, 0
}

func parsePort(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return n
}

// isName reports a literal DNS-style host name: letters, digits, '-',
// '_' and '.', at most 253 bytes, and not only dots.
func isName(s string) bool {
	if s == "" || len(s) > 253 || strings.Trim(s, ".") == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// timePtr returns a pointer to t, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
