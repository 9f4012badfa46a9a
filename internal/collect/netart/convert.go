package netart

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// webkitEpochOffset is the number of seconds from 1601-01-01 UTC (the
// WebKit/Windows FILETIME epoch Chrome uses) to 1970-01-01 UTC.
const webkitEpochOffset = 11644473600

// Plausible timestamps: nothing before the Unix epoch is a browser record,
// and encoding/json refuses years past 9999, so anything outside is treated
// as unset rather than breaking the snapshot.
var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// webkitTime converts Chrome's microseconds since 1601-01-01 UTC. Zero (and
// any value outside the plausible range) means unset: it returns nil.
func webkitTime(us int64) *time.Time {
	if us <= 0 {
		return nil
	}
	return plausible(us/1e6-webkitEpochOffset, us%1e6*1e3)
}

// unixMicroTime converts Firefox's PRTime (microseconds since 1970-01-01 UTC).
func unixMicroTime(us int64) *time.Time {
	if us <= 0 {
		return nil
	}
	return plausible(us/1e6, us%1e6*1e3)
}

// unixMilliTime converts milliseconds since 1970-01-01 UTC (Firefox download
// metadata).
func unixMilliTime(ms int64) *time.Time {
	if ms <= 0 {
		return nil
	}
	return plausible(ms/1e3, ms%1e3*1e6)
}

func plausible(sec, nsec int64) *time.Time {
	t := time.Unix(sec, nsec).UTC()
	if t.Before(minTime) || t.After(maxTime) {
		return nil
	}
	return &t
}

// earliest and latest pick among optional times.
func earliest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.Before(*a)) {
		return b
	}
	return a
}

func latest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

// networkSchemes are the URL schemes whose host is a network peer.
var networkSchemes = map[string]bool{
	"http": true, "https": true, "ftp": true, "ws": true, "wss": true,
}

// urlDomain returns the lower-case host of a network URL, without port,
// brackets or trailing dot. blob: and filesystem: URLs yield the host of the
// origin they wrap. Other schemes (file, chrome, about, data, …) have no
// network peer and yield "".
func urlDomain(raw string) string {
	for _, wrap := range []string{"blob:", "filesystem:"} {
		if len(raw) > len(wrap) && strings.EqualFold(raw[:len(wrap)], wrap) {
			raw = raw[len(wrap):]
			break
		}
	}
	u, err := url.Parse(raw)
	if err != nil || !networkSchemes[strings.ToLower(u.Scheme)] {
		return ""
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if strings.ContainsAny(host, " \t\r\n/\\") {
		return ""
	}
	return host
}

var errNotFileURI = errors.New("not a file:// URI")

// fileURIToPath turns a file:// URI into the path the browser's system
// names: file:///C:/Users/x → C:\Users\x, file://server/share/x →
// \\server\share\x, file:///home/x → /home/x. Percent escapes are decoded.
func fileURIToPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("file URI %q: %w", truncate(raw, 80), err)
	}
	if !strings.EqualFold(u.Scheme, "file") || u.Opaque != "" {
		return "", fmt.Errorf("%q: %w", truncate(raw, 80), errNotFileURI)
	}
	p := u.Path
	host := u.Host
	if strings.EqualFold(host, "localhost") {
		host = ""
	}
	switch {
	case host != "":
		return `\\` + host + strings.ReplaceAll(p, "/", `\`), nil
	case isDrivePath(p):
		return strings.ReplaceAll(p[1:], "/", `\`), nil
	case p == "":
		return "", fmt.Errorf("file URI %q: empty path", truncate(raw, 80))
	}
	return p, nil
}

// isDrivePath reports a path of the form /C: or /C:/….
func isDrivePath(p string) bool {
	if len(p) < 3 || p[0] != '/' || p[2] != ':' {
		return false
	}
	c := p[1] | 0x20
	return c >= 'a' && c <= 'z' && (len(p) == 3 || p[3] == '/')
}

// truncate shortens s to at most n bytes, for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
