package fleet

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cascade-ir/cascade/internal/visible"
)

// FindingsSchema tags each JSON Lines finding.
const FindingsSchema = "cascade.fleet-finding/v1"

// WriteFindingsJSONL writes one finding per line.
func WriteFindingsJSONL(w io.Writer, fs []Finding) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range fs {
		line := struct {
			Schema string `json:"schema"`
			*Finding
		}{FindingsSchema, &fs[i]}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("write finding: %w", err)
		}
	}
	return nil
}

// FindingsCSVHeader is the column list of WriteFindingsCSV. first_seen
// and last_seen are when cascade saw the evidence; exposed_since is the
// earliest time the evidence itself proves and exposed_by which evidence
// (new columns go at the end, so existing positions stay).
var FindingsCSVHeader = []string{"finding_id", "host", "host_uid", "state", "present", "level", "score", "incident",
	"title", "evidence_kind", "path", "sha256", "product", "version", "url", "domain", "first_seen", "last_seen",
	"detected_at", "reasons", "remediation", "state_reason", "exposed_since", "exposed_by", "assignee"}

// WriteFindingsCSV writes findings as RFC 4180 CSV, defusing cells a
// spreadsheet would run as formulas (evidence comes from hostile machines).
func WriteFindingsCSV(w io.Writer, fs []Finding) error {
	cw := csv.NewWriter(w)
	cw.Write(FindingsCSVHeader)
	return WriteFindingsCSVRows(cw, fs)
}

// WriteFindingsCSVRows writes findings as rows under a header written
// before (a streamed export writes its pages one after another).
func WriteFindingsCSVRows(cw *csv.Writer, fs []Finding) error {
	for _, f := range fs {
		inc := ""
		if f.Incident != nil {
			inc = f.Incident.ID
		}
		var why []string
		for _, r := range f.Reasons {
			why = append(why, r.Label(":"))
		}
		e := f.Evidence
		row := []string{f.ID, f.Host, f.HostUID, f.State, strconv.FormatBool(f.Present), string(f.Level), strconv.Itoa(f.Score),
			inc, f.Title, e.Kind, e.Path, e.SHA256, e.Product, e.Version, e.URL, e.Domain, timeCell(f.FirstSeen),
			timeCell(f.LastSeen), timeCell(f.DetectedAt), strings.Join(why, " | "), f.Remediation, f.StateReason,
			timeCell(f.ExposedSince), f.ExposedBy, f.Assignee}
		for i := range row {
			row[i] = defuse(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteFindingsTable writes findings for people.
func WriteFindingsTable(w io.Writer, fs []Finding, total int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tSCORE\tHOST\tSTATE\tEXPOSED SINCE\tSEEN BY CASCADE\tTITLE\tID")
	for _, f := range fs {
		window := minute(f.FirstSeen) + " – " + minute(f.LastSeen)
		if f.Present {
			window = minute(f.FirstSeen) + " – now"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(string(f.Level)), f.Score, oneLine(f.Host),
			oneLine(f.State), minute(f.ExposedSince), window, oneLine(f.Title), oneLine(f.ID))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d of %d findings\n", len(fs), total)
	return err
}

// WriteHostsTable writes hosts for people.
func WriteHostsTable(w io.Writer, hs []Host, total int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tOS\tROLES\tLAST SEEN\tSOFTWARE\tFILES\tOPEN FINDINGS\tSTALE")
	for _, h := range hs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%v\n", h.ID, oneLine(h.Name), oneLine(h.OS), oneLine(strings.Join(h.Roles, ",")),
			timeCell(h.LastSeen), h.Software, h.Files, h.OpenFindings, h.Stale)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d of %d hosts\n", len(hs), total)
	return err
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// minute shows a time to the minute, in UTC; "?" when unknown.
func minute(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// oneLine keeps a hostile string from breaking or reordering a terminal
// table: control, bidi and other invisible characters are shown escaped
// (visible.String).
func oneLine(s string) string { return visible.String(s) }

func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
