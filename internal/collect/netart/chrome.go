package netart

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// In every query, each column goes through CAST/COALESCE so that a hostile
// file storing text in an integer column, or NULL anywhere, still scans;
// text is cut at 8192 bytes (substr) so one row cannot take unbounded
// memory.

// chromeVisitsSQL reads one row per URL with its visits aggregated. Chrome
// times are microseconds since 1601-01-01 UTC; 0 means unset.
const chromeVisitsSQL = `
SELECT COALESCE(CAST(substr(u.url, 1, 8192) AS TEXT), ''),
       CAST(COALESCE(u.visit_count, 0) AS INTEGER),
       CAST(COALESCE(u.last_visit_time, 0) AS INTEGER),
       CAST(COALESCE(v.first, 0) AS INTEGER),
       CAST(COALESCE(v.last, 0) AS INTEGER),
       CAST(COALESCE(v.n, 0) AS INTEGER)
FROM urls u
LEFT JOIN (SELECT url, MIN(visit_time) AS first, MAX(visit_time) AS last, COUNT(*) AS n
           FROM visits GROUP BY url) v ON v.url = u.id
LIMIT ?`

// chromeVisits reads urls + visits into browser-visit artifacts.
func chromeVisits(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error {
	rows, err := db.QueryContext(ctx, chromeVisitsSQL, maxRows+1)
	if err != nil {
		return fmt.Errorf("urls/visits: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > maxRows {
			res.Notes = append(res.Notes, capNote("urls", maxRows))
			break
		}
		var v visitRow
		if err := rows.Scan(&v.url, &v.count, &v.last, &v.vFirst, &v.vLast, &v.vCount); err != nil {
			return fmt.Errorf("urls/visits row %d: %w", n, err)
		}
		if a, ok := v.artifact(webkitTime); ok {
			res.Artifacts = append(res.Artifacts, a)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("urls/visits after row %d: %w", n, err)
	}
	return nil
}

// visitRow is one URL with its visit aggregates, in the browser's own time
// unit.
type visitRow struct {
	url                   string
	count, last           int64
	vFirst, vLast, vCount int64
}

// artifact builds the browser-visit artifact; conv is the browser's time
// conversion. Rows without a URL are dropped.
func (v visitRow) artifact(conv func(int64) *time.Time) (snapshot.Artifact, bool) {
	if v.url == "" {
		return snapshot.Artifact{}, false
	}
	last := latest(conv(v.last), conv(v.vLast))
	first := earliest(conv(v.vFirst), last)
	return snapshot.Artifact{
		Kind:      snapshot.ArtifactBrowserVisit,
		URL:       v.url,
		Domain:    urlDomain(v.url),
		FirstSeen: first,
		LastSeen:  last,
		Count:     clampCount(max(v.count, v.vCount)),
	}, true
}

func clampCount(n int64) int {
	const most = 1 << 30
	switch {
	case n < 0:
		return 0
	case n > most:
		return most
	}
	return int(n)
}

// chromeDownloadsSQL reads downloads with their URL chains, in order.
const chromeDownloadsSQL = `
SELECT d.id,
       COALESCE(CAST(substr(d.target_path, 1, 8192) AS TEXT), ''),
       COALESCE(CAST(substr(d.current_path, 1, 8192) AS TEXT), ''),
       CAST(COALESCE(d.start_time, 0) AS INTEGER),
       CAST(COALESCE(d.end_time, 0) AS INTEGER),
       CAST(COALESCE(d.total_bytes, 0) AS INTEGER),
       COALESCE(CAST(substr(c.url, 1, 8192) AS TEXT), '')
FROM downloads d
LEFT JOIN downloads_url_chains c ON c.id = d.id
ORDER BY d.id, c.chain_index
LIMIT ?`

// chromeDownload is one row of downloads with its URL chain.
type chromeDownload struct {
	id                int64
	target, current   string
	start, end, bytes int64
	chain             []string
}

// chromeDownloads reads downloads + downloads_url_chains.
func chromeDownloads(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error {
	rows, err := db.QueryContext(ctx, chromeDownloadsSQL, maxRows+1)
	if err != nil {
		return fmt.Errorf("downloads: %w", err)
	}
	defer rows.Close()
	var cur *chromeDownload
	n := 0
	for rows.Next() {
		if n++; n > maxRows {
			res.Notes = append(res.Notes, capNote("downloads", maxRows))
			break
		}
		var d chromeDownload
		var u string
		if err := rows.Scan(&d.id, &d.target, &d.current, &d.start, &d.end, &d.bytes, &u); err != nil {
			return fmt.Errorf("downloads row %d: %w", n, err)
		}
		if cur == nil || cur.id != d.id {
			cur = flushDownload(res, cur, &d)
		}
		if u != "" && len(cur.chain) < maxChain {
			cur.chain = append(cur.chain, u)
		}
	}
	flushDownload(res, cur, nil)
	if err := rows.Err(); err != nil {
		return fmt.Errorf("downloads after row %d: %w", n, err)
	}
	return nil
}

// maxChain bounds the redirect chain kept per download.
const maxChain = 64

// flushDownload emits done's artifacts and returns next.
func flushDownload(res *readResult, done, next *chromeDownload) *chromeDownload {
	if done != nil {
		res.Artifacts = append(res.Artifacts, done.artifacts()...)
	}
	return next
}

// maxChainHosts bounds the artifacts one download yields.
const maxChainHosts = 8

// artifacts turns one download into browser-download artifacts: one for the
// final URL, then one for each earlier URL of the redirect chain on a host
// not yet named (the original URL of a download behind a redirector is
// often the telling one). A download without a URL still yields one
// artifact, for its target path.
func (d *chromeDownload) artifacts() []snapshot.Artifact {
	base := snapshot.Artifact{
		Kind:       snapshot.ArtifactBrowserDownload,
		TargetPath: d.target,
		FirstSeen:  webkitTime(d.start),
		LastSeen:   latest(webkitTime(d.end), webkitTime(d.start)),
		Size:       max(d.bytes, 0),
		Count:      1,
	}
	if base.TargetPath == "" {
		base.TargetPath = d.current
	}
	if len(d.chain) == 0 {
		return []snapshot.Artifact{base}
	}
	var out []snapshot.Artifact
	seen := map[string]bool{}
	for i := len(d.chain) - 1; i >= 0 && len(out) < maxChainHosts; i-- {
		host := urlDomain(d.chain[i])
		if i < len(d.chain)-1 && seen[host] {
			continue
		}
		seen[host] = true
		a := base
		a.URL, a.Domain = d.chain[i], host
		out = append(out, a)
	}
	return out
}
