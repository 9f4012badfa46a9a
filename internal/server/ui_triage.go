package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// uiTriageRoutes are the browser's triage pages and forms; the forms post
// without script and carry the session's CSRF token like every UI form.
func (s *Server) uiTriageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /findings", s.ui(true, s.findingsPage))
	mux.Handle("GET /findings/export", s.ui(true, func(w http.ResponseWriter, r *http.Request, _ *principal) error {
		return s.ExportFindings(w, r)
	}))
	mux.Handle("POST /findings/bulk", s.ui(true, s.bulkForm))
	for _, kind := range []string{fleet.SubjectFinding, fleet.SubjectIncident} {
		base := "/" + kind + "s/{id}"
		mux.Handle("POST "+base+"/assign", s.ui(true, s.assignForm(kind)))
		mux.Handle("POST "+base+"/comments", s.ui(true, s.commentForm(kind)))
	}
}

// findingsPageSize is how many findings the screen shows at once.
const findingsPageSize = 100

// findingsPage is the findings screen: the API's filters as a form, the
// matching findings with a box each for bulk changes, and the export of
// everything the filters select.
func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	q, err := findingQuery(r)
	if err != nil {
		return err
	}
	q.Limit = findingsPageSize
	fs, total, err := s.st.ListFindings(r.Context(), q)
	if err != nil {
		return err
	}
	if err := s.withAssignees(r.Context(), fs); err != nil {
		return err
	}
	filter := filterValues(r.URL.Query())
	data := map[string]any{"Title": "Findings", "Findings": fs, "Total": total, "F": r.URL.Query(),
		"Filter": filter.Encode(), "Return": r.URL.RequestURI(), "MaxBulk": fleet.MaxBulk, "MaxExport": fleet.MaxExport,
		"States": []string{fleet.StateNew, fleet.StateAcknowledged, fleet.StateFalsePositive, fleet.StateResolved}}
	if q.Offset > 0 {
		prev := filterValues(r.URL.Query())
		prev.Set("offset", itoaInt(max(q.Offset-findingsPageSize, 0)))
		data["Prev"] = "/findings?" + prev.Encode()
	}
	if q.Offset+len(fs) < total {
		next := filterValues(r.URL.Query())
		next.Set("offset", itoaInt(q.Offset+len(fs)))
		data["Next"] = "/findings?" + next.Encode()
	}
	for _, f := range []string{"csv", "jsonl", "stix"} {
		ex := filterValues(r.URL.Query())
		ex.Set("format", f)
		data["Export"+f] = "/findings/export?" + ex.Encode()
	}
	data["Shown"] = [2]int{q.Offset + min(1, len(fs)), q.Offset + len(fs)}
	return s.render(w, http.StatusOK, "findings", p, data)
}

// filterValues keeps the filters of a findings query, without paging.
func filterValues(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"q", "state", "incident", "assignee", "min_score", "present", "retracted", "host"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			out.Set(k, x)
		}
	}
	return out
}

func itoaInt(n int) string { return strconv.Itoa(n) }

// bulkForm changes the state of the ticked findings, or of every finding
// the filter selects, and returns to the screen.
func (s *Server) bulkForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	req := fleet.BulkStateRequest{State: r.PostFormValue("state"), Reason: r.PostFormValue("reason")}
	filter := r.PostFormValue("filter")
	switch r.PostFormValue("scope") {
	case "filter":
		req.Filter = filter
		if req.Filter == "" {
			req.Filter = "retracted=0" // every listed finding
		}
	default:
		req.IDs = r.PostForm["id"]
		if len(req.IDs) == 0 {
			return errorf(http.StatusBadRequest, "bad_request", "tick the findings to change, or change all the filter selects")
		}
	}
	res, err := s.BulkState(r.Context(), req, p)
	if err != nil {
		return err
	}
	s.auditBulk(r, p, req, res)
	http.Redirect(w, r, "/findings?"+filterValues(mustQuery(filter)).Encode(), http.StatusSeeOther)
	return nil
}

func mustQuery(q string) url.Values {
	v, _ := url.ParseQuery(q)
	return v
}

func (s *Server) assignForm(kind string) uiFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		a, err := s.Assign(r.Context(), kind, r.PathValue("id"), r.PostFormValue("assignee"), p)
		if err != nil {
			return err
		}
		s.auditAssign(r, p, a)
		http.Redirect(w, r, subjectPage(kind, a.Subject), http.StatusSeeOther)
		return nil
	}
}

func (s *Server) commentForm(kind string) uiFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		n, err := s.Comment(r.Context(), kind, r.PathValue("id"), r.PostFormValue("text"), p)
		if err != nil {
			return err
		}
		s.auditComment(r, p, n)
		http.Redirect(w, r, subjectPage(kind, n.Subject)+"#notes", http.StatusSeeOther)
		return nil
	}
}

func subjectPage(kind, id string) string {
	return "/" + kind + "s/" + url.PathEscape(id)
}
