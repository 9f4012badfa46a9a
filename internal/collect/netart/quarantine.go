package netart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Quarantine reads macOS download origins: each user's
// ~/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2, an
// SQLite database in which LaunchServices records every file a
// quarantine-aware application downloaded (the URL, the page it came
// from, the application and the time). It is read like a browser
// history: from a private copy, read-only, bounded.
type Quarantine struct{ opt BrowserOptions }

// NewQuarantine returns the quarantine-events collector.
func NewQuarantine(opt BrowserOptions) *Quarantine {
	b := NewBrowser(opt) // the same defaults
	return &Quarantine{opt: b.opt}
}

// Name implements collect.PathCollector.
func (*Quarantine) Name() string { return "quarantine" }

const quarantineTail = "/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2"

// WantsPath implements collect.PathCollector: Users/<name>/Library/
// Preferences/com.apple.LaunchServices.QuarantineEventsV2.
func (*Quarantine) WantsPath(env *collect.Env, rel string) bool {
	return env.OS == "macos" && strings.HasPrefix(rel, "Users/") && strings.HasSuffix(rel, quarantineTail) &&
		strings.Count(rel, "/") == strings.Count("Users/x"+quarantineTail, "/")
}

// CollectPath implements collect.PathCollector.
func (q *Quarantine) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	if env.TempDir == "" {
		return errors.New("quarantine: no scratch directory to copy databases into")
	}
	dir, err := os.MkdirTemp(env.TempDir, "quarantine-")
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", rel, err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, q.opt.Timeout)
	defer cancel()
	c, err := copyDB(ctx, env.FS, rel, dir, q.opt.MaxDBBytes)
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", rel, err)
	}
	for _, n := range c.Notes {
		sink.AddError(rel, "read", n)
	}
	res, err := readCopy(ctx, c, q.opt.MaxRows, []queryFunc{quarantineEvents})
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", rel, err)
	}
	src, user := env.Display(rel), collect.UserFromPath(env.OS, rel)
	for _, a := range res.Artifacts {
		a.User, a.Source = user, src
		sink.AddArtifact(a)
	}
	for _, n := range res.Notes {
		sink.AddError(rel, "parse:"+q.Name(), n)
	}
	return nil
}

// quarantineSQL reads LSQuarantineEvent. LSQuarantineTimeStamp is Mac
// absolute time: seconds (a float) since 2001-01-01 UTC.
const quarantineSQL = `
SELECT COALESCE(CAST(substr(LSQuarantineEventIdentifier, 1, 256) AS TEXT), ''),
       CAST(COALESCE(LSQuarantineTimeStamp, 0) AS REAL),
       COALESCE(CAST(substr(LSQuarantineAgentName, 1, 1024) AS TEXT), ''),
       COALESCE(CAST(substr(LSQuarantineAgentBundleIdentifier, 1, 1024) AS TEXT), ''),
       COALESCE(CAST(substr(LSQuarantineDataURLString, 1, 8192) AS TEXT), ''),
       COALESCE(CAST(substr(LSQuarantineOriginURLString, 1, 8192) AS TEXT), '')
FROM LSQuarantineEvent
LIMIT ?`

// macEpoch is Mac absolute time zero.
var macEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// macTime converts Mac absolute seconds; nil when unset or implausible.
func macTime(sec float64) *time.Time {
	if sec == 0 || math.IsNaN(sec) || math.IsInf(sec, 0) || math.Abs(sec) > 1e10 {
		return nil
	}
	whole, frac := math.Modf(sec)
	t := macEpoch.Add(time.Duration(whole) * time.Second).Add(time.Duration(frac * 1e9))
	return plausible(t.Unix(), int64(t.Nanosecond()))
}

func quarantineEvents(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error {
	rows, err := db.QueryContext(ctx, quarantineSQL, maxRows+1)
	if err != nil {
		return fmt.Errorf("LSQuarantineEvent: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > maxRows {
			res.Notes = append(res.Notes, capNote("LSQuarantineEvent", maxRows))
			break
		}
		var id, agent, bundle, data, origin string
		var ts float64
		if err := rows.Scan(&id, &ts, &agent, &bundle, &data, &origin); err != nil {
			return fmt.Errorf("LSQuarantineEvent row %d: %w", n, err)
		}
		if data == "" && origin == "" {
			continue
		}
		if agent == "" {
			agent = bundle
		}
		t := macTime(ts)
		a := snapshot.Artifact{Kind: snapshot.ArtifactQuarantineEvent, URL: data, OriginURL: origin,
			Agent: agent, Name: id, FirstSeen: t, LastSeen: t}
		a.Domain = urlDomain(data)
		if a.Domain == "" {
			a.Domain = urlDomain(origin)
		}
		res.Artifacts = append(res.Artifacts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("LSQuarantineEvent after row %d: %w", n, err)
	}
	return nil
}
