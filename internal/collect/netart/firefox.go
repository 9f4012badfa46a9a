package netart

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// firefoxVisitsSQL reads one row per place that was visited. moz_places
// also holds bookmarks and other places never visited: those prove no
// contact and are left out. Times are microseconds since the Unix epoch.
const firefoxVisitsSQL = `
SELECT COALESCE(CAST(substr(p.url, 1, 8192) AS TEXT), ''),
       CAST(COALESCE(p.visit_count, 0) AS INTEGER),
       CAST(COALESCE(p.last_visit_date, 0) AS INTEGER),
       CAST(COALESCE(v.first, 0) AS INTEGER),
       CAST(COALESCE(v.last, 0) AS INTEGER),
       CAST(COALESCE(v.n, 0) AS INTEGER)
FROM moz_places p
LEFT JOIN (SELECT place_id, MIN(visit_date) AS first, MAX(visit_date) AS last, COUNT(*) AS n
           FROM moz_historyvisits GROUP BY place_id) v ON v.place_id = p.id
WHERE v.n > 0 OR p.visit_count > 0 OR p.last_visit_date > 0
LIMIT ?`

// firefoxVisits reads moz_places + moz_historyvisits.
func firefoxVisits(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error {
	rows, err := db.QueryContext(ctx, firefoxVisitsSQL, maxRows+1)
	if err != nil {
		return fmt.Errorf("moz_places/moz_historyvisits: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > maxRows {
			res.Notes = append(res.Notes, capNote("moz_places", maxRows))
			break
		}
		var v visitRow
		if err := rows.Scan(&v.url, &v.count, &v.last, &v.vFirst, &v.vLast, &v.vCount); err != nil {
			return fmt.Errorf("moz_places row %d: %w", n, err)
		}
		if a, ok := v.artifact(unixMicroTime); ok {
			res.Artifacts = append(res.Artifacts, a)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("moz_places after row %d: %w", n, err)
	}
	return nil
}

// firefoxDownloadsSQL reads the download annotations: each downloaded
// place carries downloads/destinationFileURI (a file:// URI) and usually
// downloads/metaData (JSON with endTime in ms and fileSize).
const firefoxDownloadsSQL = `
SELECT COALESCE(CAST(substr(p.url, 1, 8192) AS TEXT), ''),
       COALESCE(CAST(substr(a.content, 1, 8192) AS TEXT), ''),
       CAST(COALESCE(a.dateAdded, 0) AS INTEGER),
       COALESCE((SELECT CAST(substr(m.content, 1, 8192) AS TEXT)
                 FROM moz_annos m JOIN moz_anno_attributes ma ON ma.id = m.anno_attribute_id
                 WHERE m.place_id = a.place_id AND ma.name = 'downloads/metaData'
                 LIMIT 1), '')
FROM moz_annos a
JOIN moz_anno_attributes aa ON aa.id = a.anno_attribute_id
JOIN moz_places p ON p.id = a.place_id
WHERE aa.name = 'downloads/destinationFileURI'
LIMIT ?`

// firefoxDownloads reads moz_annos download annotations.
func firefoxDownloads(ctx context.Context, db *sql.DB, maxRows int, res *readResult) error {
	rows, err := db.QueryContext(ctx, firefoxDownloadsSQL, maxRows+1)
	if err != nil {
		return fmt.Errorf("moz_annos: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if n++; n > maxRows {
			res.Notes = append(res.Notes, capNote("moz_annos", maxRows))
			break
		}
		var u, dest, meta string
		var added int64
		if err := rows.Scan(&u, &dest, &added, &meta); err != nil {
			return fmt.Errorf("moz_annos row %d: %w", n, err)
		}
		a, err := firefoxDownload(u, dest, added, meta)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Errorf("moz_annos row %d: %w", n, err))
		}
		res.Artifacts = append(res.Artifacts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("moz_annos after row %d: %w", n, err)
	}
	return nil
}

// firefoxDownload builds one browser-download artifact. A bad destination
// or metadata is reported, and the artifact is still returned with what
// could be read.
func firefoxDownload(u, dest string, added int64, meta string) (snapshot.Artifact, error) {
	a := snapshot.Artifact{
		Kind:      snapshot.ArtifactBrowserDownload,
		URL:       u,
		Domain:    urlDomain(u),
		FirstSeen: unixMicroTime(added),
		Count:     1,
	}
	target, err := fileURIToPath(dest)
	if err != nil {
		return a, fmt.Errorf("downloads/destinationFileURI: %w", err)
	}
	a.TargetPath = target
	end, size, err := parseDownloadMeta(meta)
	if err != nil {
		return a, err
	}
	a.LastSeen = latest(a.FirstSeen, unixMilliTime(end))
	a.FirstSeen = earliest(a.FirstSeen, a.LastSeen)
	a.Size = size
	return a, nil
}

// parseDownloadMeta reads endTime (ms since the epoch) and fileSize from the
// downloads/metaData JSON; an empty string means no metadata.
func parseDownloadMeta(meta string) (endMS, size int64, err error) {
	if meta == "" {
		return 0, 0, nil
	}
	var m struct {
		EndTime  float64 `json:"endTime"`
		FileSize float64 `json:"fileSize"`
	}
	if err := json.Unmarshal([]byte(meta), &m); err != nil {
		return 0, 0, fmt.Errorf("downloads/metaData: %w", err)
	}
	return toInt64(m.EndTime), toInt64(m.FileSize), nil
}

// toInt64 converts a JSON number, mapping NaN, negatives and out-of-range
// values to 0.
func toInt64(f float64) int64 {
	if math.IsNaN(f) || f <= 0 || f >= math.MaxInt64 {
		return 0
	}
	return int64(f)
}
