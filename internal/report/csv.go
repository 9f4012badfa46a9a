package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
)

// CSVHeader is the column list of the CSV report. first_seen and
// last_seen are when cascade saw the evidence; exposed_since is the
// earliest time the evidence itself proves, exposed_by which evidence;
// context lists the paths of context evidence joined to the finding. New
// columns go at the end, so existing column positions stay.
var CSVHeader = []string{"scan_id", "host", "level", "score", "incident", "title", "evidence_kind",
	"path", "sha256", "product", "version", "user", "url", "domain", "first_seen", "last_seen",
	"reasons", "sources", "remediation", "finding_id", "exposed_since", "exposed_by", "context"}

// CSV writes findings as RFC 4180 CSV; header controls the header row, so
// several hosts can share one file.
func CSV(w io.Writer, s Scan, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		cw.Write(CSVHeader)
	}
	for _, f := range s.Findings {
		cw.Write(csvRow(s.ScanID, f))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func csvRow(scanID string, f finding.Finding) []string {
	inc := ""
	if f.Incident != nil {
		inc = f.Incident.ID
	}
	var why, srcs []string
	for _, r := range f.Reasons {
		why = append(why, r.Label(":"))
		srcs = append(srcs, r.Source)
	}
	e := f.Evidence
	return []string{scanID, f.Host, string(f.Level), strconv.Itoa(f.Score), inc, sanitize(f.Title), e.Kind,
		sanitize(e.Path), e.SHA256, sanitize(e.Product), sanitize(e.Version), sanitize(e.User), sanitize(e.URL),
		e.Domain, timeCell(f.FirstSeen), timeCell(f.LastSeen), sanitize(strings.Join(why, " | ")),
		sanitize(strings.Join(srcs, " | ")), sanitize(f.Remediation), f.ID,
		timeCell(f.ExposedSince), sanitize(f.ExposedBy), sanitize(contextPaths(f))}
}

func contextPaths(f finding.Finding) string {
	var ps []string
	for _, c := range f.Context {
		ps = append(ps, firstNonEmpty(c.Evidence.Path, c.Evidence.URL, c.Evidence.Product))
	}
	return strings.Join(ps, " | ")
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sanitize defuses spreadsheet formula injection: evidence comes from the
// scanned machine, and a cell starting with = + - @ would run in Excel.
func sanitize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
