// Package persist collects persistence entries: what starts a program
// again without a user asking. Windows services, Run keys, Winlogon,
// scheduled tasks and startup folders; macOS launchd jobs; Linux systemd
// units, cron tables, rc.local and shell profiles. Each entry becomes a
// persistence artifact naming its mechanism, the program and arguments it
// starts, and the program's path in the scanned source. Everything it
// reads is hostile input: bounded, never executed, never followed out of
// the source.
package persist

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// stage is the PathError stage of this package's parse problems.
const stage = "parse:persist"

// Bounds on what one file may cost.
const (
	maxFileBytes = 1 << 20 // cron tables, units, profiles, task XML, plists
	maxLineBytes = 4096    // a longer line is cut (and counted)
	maxLines     = 100000  // lines read from one file
	maxEntries   = 1000    // entries taken from one file
)

// What an artifact's LastSeen is (snapshot.Artifact.TimeFrom).
const (
	TimeFileMtime    = "file mtime"
	TimeKeyLastWrite = "key last-write"
	TimeRegistered   = "task registration date"
)

// Collectors returns the package's path collectors.
func Collectors() []collect.PathCollector {
	return []collect.PathCollector{NewUnix(), NewLaunchd(), NewLoginItems(), NewTasks(), NewStartup(), NewRegistry()}
}

var errTruncated = errors.New("file larger than the read bound; only its start was read")

// readBounded reads at most maxFileBytes of rel, with its mtime; a larger
// file yields its start and errTruncated.
func readBounded(fsys fs.FS, rel string) ([]byte, time.Time, error) {
	f, err := fsys.Open(rel)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, st.ModTime(), err
	}
	if len(data) > maxFileBytes {
		return data[:maxFileBytes], st.ModTime(), errTruncated
	}
	return data, st.ModTime(), nil
}

// timePtr returns a pointer to t in UTC, or nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return nil
	}
	t = t.UTC()
	return &t
}

var urlRE = regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s"'<>()|;&` + "`" + `]+`)

// setNetwork fills a.URL with the first URL in a's command line and
// a.Domain or a.IP with its host, so that domain, URL and IP indicators
// match a persistence entry that downloads or calls out.
func setNetwork(a *snapshot.Artifact) {
	m := urlRE.FindString(a.Command + " " + a.Args)
	if m == "" {
		return
	}
	u, err := url.Parse(m)
	if err != nil || u.Hostname() == "" {
		return
	}
	a.URL = m
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		a.IP = ip.String()
		return
	}
	a.Domain = h
}

// clip cuts s to maxLineBytes.
func clip(s string) string {
	if len(s) > maxLineBytes {
		return s[:maxLineBytes]
	}
	return s
}

// entryError wraps a problem with where it was met.
func entryError(rel, what string, err error) error {
	return fmt.Errorf("%s: %s: %w", rel, what, err)
}

// statFile returns rel's modification time.
func statFile(env *collect.Env, rel string) (time.Time, error) {
	fi, err := fs.Stat(env.FS, rel)
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}
