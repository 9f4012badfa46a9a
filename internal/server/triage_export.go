package server

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// exportPage is how many findings an export reads at a time.
const exportPage = 500

// exportFindings streams every finding the filters select (the findings
// screen's filters, without its paging) as CSV, JSON Lines or a STIX 2.1
// bundle of sightings, page by page, at most fleet.MaxExport; a larger
// selection is cut there and says so in X-Cascade-Truncated.
func (s *Server) exportFindings(w http.ResponseWriter, r *http.Request, _ *principal) error {
	return s.ExportFindings(w, r)
}

// ExportFindings writes the export for the API and the UI alike.
func (s *Server) ExportFindings(w http.ResponseWriter, r *http.Request) error {
	q, err := findingQuery(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	var ex exporter
	switch format {
	case "csv":
		ex = &csvExporter{}
	case "jsonl":
		ex = &jsonlExporter{}
	case "stix":
		ex = &stixExporter{org: s.organization(), now: s.now()}
	default:
		return errorf(http.StatusBadRequest, "bad_request", "format must be csv, jsonl or stix")
	}
	q.Offset = 0
	q.Limit = exportPage
	first, total, err := s.st.ListFindings(r.Context(), q)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ex.contentType())
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="findings-%s.%s"`, s.now().UTC().Format("20060102T150405Z"), ex.ext()))
	h.Set("X-Total-Count", strconv.Itoa(total))
	if total > fleet.MaxExport {
		h.Set("X-Cascade-Truncated", strconv.Itoa(fleet.MaxExport))
	}
	if err := ex.begin(w); err != nil {
		return nil // the client left; nothing more to say
	}
	fs := first
	for sent := 0; len(fs) > 0 && sent < fleet.MaxExport; {
		fs = fs[:min(len(fs), fleet.MaxExport-sent)]
		if err := s.withAssignees(r.Context(), fs); err != nil {
			s.log.Warn("export findings", "err", err)
			return nil // headers are out: the cut body is the error
		}
		if err := ex.page(w, fs); err != nil {
			return nil
		}
		sent += len(fs)
		if len(fs) < exportPage || sent >= fleet.MaxExport {
			break
		}
		q.Offset = sent
		if fs, _, err = s.st.ListFindings(r.Context(), q); err != nil {
			s.log.Warn("export findings", "err", err)
			return nil
		}
	}
	ex.end(w)
	return nil
}

// organization names this server in what it publishes.
func (s *Server) organization() string {
	if s.cfg.Organization != "" {
		return s.cfg.Organization
	}
	return "cascade"
}

// exporter writes one export format page by page.
type exporter interface {
	contentType() string
	ext() string
	begin(w io.Writer) error
	page(w io.Writer, fs []fleet.Finding) error
	end(w io.Writer) error
}

type csvExporter struct{ cw *csv.Writer }

func (*csvExporter) contentType() string { return "text/csv; charset=utf-8" }
func (*csvExporter) ext() string         { return "csv" }
func (e *csvExporter) begin(w io.Writer) error {
	e.cw = csv.NewWriter(w)
	e.cw.Write(fleet.FindingsCSVHeader)
	e.cw.Flush()
	return e.cw.Error()
}
func (e *csvExporter) page(_ io.Writer, fs []fleet.Finding) error {
	return fleet.WriteFindingsCSVRows(e.cw, fs)
}
func (*csvExporter) end(io.Writer) error { return nil }

type jsonlExporter struct{}

func (jsonlExporter) contentType() string   { return "application/x-ndjson" }
func (jsonlExporter) ext() string           { return "jsonl" }
func (jsonlExporter) begin(io.Writer) error { return nil }
func (jsonlExporter) end(io.Writer) error   { return nil }
func (jsonlExporter) page(w io.Writer, fs []fleet.Finding) error {
	return fleet.WriteFindingsJSONL(w, fs)
}

// stixExporter writes one STIX 2.1 bundle: this organization's identity,
// an identity (class "system") per host, an indicator per indicator the
// findings name that is not a STIX indicator already, and a sighting per
// finding: of its first reason's indicator, where_sighted the host, with
// the exposure window as first_seen and last_seen. Ids are UUIDv5 of
// stable names, so exporting again gives the same ids.
type stixExporter struct {
	org   string
	now   time.Time
	ident string
	n     int
	seen  map[string]bool
}

func (*stixExporter) contentType() string { return "application/stix+json;version=2.1" }
func (*stixExporter) ext() string         { return "json" }

func (e *stixExporter) begin(w io.Writer) error {
	e.seen = map[string]bool{}
	e.ident = "identity--" + uuid5(e.org)
	if _, err := fmt.Fprintf(w, `{"type":"bundle","id":"bundle--%s","objects":[`, newUUID()); err != nil {
		return err
	}
	return e.emit(w, map[string]any{"type": "identity", "spec_version": "2.1", "id": e.ident,
		"created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "name": e.org, "identity_class": "organization"})
}

func (e *stixExporter) emit(w io.Writer, o map[string]any) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if e.n > 0 {
		if _, err := io.WriteString(w, ","); err != nil {
			return err
		}
	}
	e.n++
	_, err = w.Write(b)
	return err
}

func (e *stixExporter) page(w io.Writer, fs []fleet.Finding) error {
	now := taxii.FormatTime(e.now)
	for i := range fs {
		f := &fs[i]
		host := "identity--" + uuid5("host\x00"+f.HostUID)
		if !e.seen[host] {
			e.seen[host] = true
			if err := e.emit(w, map[string]any{"type": "identity", "spec_version": "2.1", "id": host, "created": now, "modified": now,
				"name": stixName(f.Host, f.HostUID), "identity_class": "system", "created_by_ref": e.ident}); err != nil {
				return err
			}
		}
		ref, ind := stixSightedIndicator(f, now, e.ident)
		if ind != nil && !e.seen[ref] {
			e.seen[ref] = true
			if err := e.emit(w, ind); err != nil {
				return err
			}
		}
		if err := e.emit(w, stixFindingSighting(f, ref, host, e.ident, now)); err != nil {
			return err
		}
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	return nil
}

func (e *stixExporter) end(w io.Writer) error {
	_, err := io.WriteString(w, "]}\n")
	return err
}

func stixName(name, uid string) string {
	if name != "" {
		return name
	}
	return uid
}

// stixFindingSighting is one finding as a sighting.
func stixFindingSighting(f *fleet.Finding, ref, host, ident, now string) map[string]any {
	o := map[string]any{"type": "sighting", "spec_version": "2.1", "id": "sighting--" + uuid5("finding\x00"+f.ID),
		"created": taxii.FormatTime(f.DetectedAt), "modified": now, "created_by_ref": ident, "sighting_of_ref": ref,
		"where_sighted_refs": []string{host}, "count": 1, "description": f.Title,
		"x_cascade_finding_id": f.ID, "x_cascade_state": f.State, "x_cascade_score": f.Score, "x_cascade_level": string(f.Level)}
	if f.DetectedAt.IsZero() {
		o["created"] = now
	}
	if !f.FirstSeen.IsZero() {
		o["first_seen"] = taxii.FormatTime(f.FirstSeen)
	}
	if !f.LastSeen.IsZero() && !f.LastSeen.Before(f.FirstSeen) {
		o["last_seen"] = taxii.FormatTime(f.LastSeen)
	}
	if f.Assignee != "" {
		o["x_cascade_assignee"] = f.Assignee
	}
	return o
}

// stixSightedIndicator returns the id of the indicator a finding sights, and the
// indicator object to emit (nil when the id is a STIX indicator of the
// intel already, which the receiver has from the same source).
func stixSightedIndicator(f *fleet.Finding, now, ident string) (string, map[string]any) {
	var r finding.Reason
	if len(f.Reasons) > 0 {
		r = f.Reasons[0]
	}
	if strings.HasPrefix(r.IndicatorID, "indicator--") && len(r.IndicatorID) == len("indicator--")+36 {
		return r.IndicatorID, nil
	}
	key := r.IndicatorID
	if key == "" {
		key = r.Kind + "\x00" + r.Matched
	}
	id := "indicator--" + uuid5("indicator\x00"+key)
	pattern, ptype := stixPattern(r.Kind, r.Matched)
	name := r.IndicatorID
	if name == "" {
		name = r.Label(": ")
	}
	return id, map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "created": now, "modified": now,
		"created_by_ref": ident, "name": name, "pattern": pattern, "pattern_type": ptype, "valid_from": now,
		"indicator_types": []string{"malicious-activity"}}
}

// stixPattern is a STIX pattern for the indicator kinds STIX has a cyber
// observable for; other kinds (advisories, anomalies) keep cascade's own
// "kind:value" with pattern_type "cascade" (an open vocabulary).
func stixPattern(kind, v string) (pattern, ptype string) {
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)
	switch kind {
	case "sha256":
		return "[file:hashes.'SHA-256' = '" + q + "']", "stix"
	case "sha1":
		return "[file:hashes.'SHA-1' = '" + q + "']", "stix"
	case "md5":
		return "[file:hashes.MD5 = '" + q + "']", "stix"
	case "domain":
		return "[domain-name:value = '" + q + "']", "stix"
	case "url":
		return "[url:value = '" + q + "']", "stix"
	case "ip":
		if strings.Contains(v, ":") {
			return "[ipv6-addr:value = '" + q + "']", "stix"
		}
		return "[ipv4-addr:value = '" + q + "']", "stix"
	case "filename":
		return "[file:name = '" + q + "']", "stix"
	}
	if v == "" {
		return kind, "cascade"
	}
	return kind + ":" + v, "cascade"
}
