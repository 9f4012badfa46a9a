package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Shared triage (issue 23 item 4): assignments and comments on findings
// and incidents, and bulk state changes. The API handlers and the UI
// forms call the same methods; every change is audited by the caller.

// checkSubject refuses an incident the fleet does not have; a finding is
// checked by the store in the transaction that changes it.
func (s *Server) checkSubject(ctx context.Context, kind, id string) error {
	if kind != fleet.SubjectIncident {
		return nil
	}
	incs, err := s.Incidents(ctx)
	if err != nil {
		return err
	}
	for _, in := range incs {
		if in.ID == id {
			return nil
		}
	}
	return fmt.Errorf("incident %q: %w", clip(id), store.ErrNotFound)
}

// Assign assigns a finding or an incident to a person ("" unassigns).
func (s *Server) Assign(ctx context.Context, kind, id, assignee string, p *principal) (fleet.Assignment, error) {
	assignee = strings.TrimSpace(assignee)
	if len(assignee) > fleet.MaxAssigneeBytes || !utf8.ValidString(assignee) || strings.ContainsFunc(assignee, isControl) {
		return fleet.Assignment{}, errorf(http.StatusBadRequest, "bad_request", "an assignee is at most %d bytes of text on one line", fleet.MaxAssigneeBytes)
	}
	if err := s.checkSubject(ctx, kind, id); err != nil {
		return fleet.Assignment{}, err
	}
	return s.st.Assign(ctx, kind, id, assignee, p.actor(), s.now())
}

// Comment adds a comment to a finding or an incident.
func (s *Server) Comment(ctx context.Context, kind, id, text string, p *principal) (fleet.TriageNote, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch {
	case text == "":
		return fleet.TriageNote{}, errorf(http.StatusBadRequest, "bad_request", "a comment needs text")
	case len(text) > fleet.MaxCommentBytes:
		return fleet.TriageNote{}, errorf(http.StatusBadRequest, "bad_request", "a comment is at most %d bytes", fleet.MaxCommentBytes)
	case !utf8.ValidString(text):
		return fleet.TriageNote{}, errorf(http.StatusBadRequest, "bad_request", "a comment must be UTF-8 text")
	}
	if err := s.checkSubject(ctx, kind, id); err != nil {
		return fleet.TriageNote{}, err
	}
	n, err := s.st.AddComment(ctx, kind, id, p.actor(), text, s.now())
	if errors.Is(err, store.ErrTooMany) {
		return n, errorf(http.StatusConflict, "too_many", "%s %s has %d notes, the most one keeps", kind, clip(id), fleet.MaxNotes)
	}
	return n, err
}

// TriageOf is a subject's assignment and notes.
func (s *Server) TriageOf(ctx context.Context, kind, id string) (fleet.Triage, error) {
	as, err := s.st.Assignments(ctx, kind, []string{id})
	if err != nil {
		return fleet.Triage{}, err
	}
	notes, err := s.st.TriageNotes(ctx, kind, id)
	if err != nil {
		return fleet.Triage{}, err
	}
	t := fleet.Triage{Notes: nonNil(notes)}
	if a, ok := as[id]; ok {
		t.Assignment = &a
	}
	return t, nil
}

// BulkState changes the state of the findings req names, or of those its
// filter selects, at most fleet.MaxBulk, with one reason.
func (s *Server) BulkState(ctx context.Context, req fleet.BulkStateRequest, p *principal) (fleet.BulkStateResult, error) {
	req.Reason = strings.TrimSpace(req.Reason)
	if err := checkStateRequest(fleet.StateRequest{State: req.State, Reason: req.Reason}); err != nil {
		return fleet.BulkStateResult{}, err
	}
	ids := req.IDs
	switch {
	case len(ids) > 0 && req.Filter != "":
		return fleet.BulkStateResult{}, errorf(http.StatusBadRequest, "bad_request", "give ids or a filter, not both")
	case len(ids) > fleet.MaxBulk:
		return fleet.BulkStateResult{}, errorf(http.StatusBadRequest, "bad_request", "%d findings: at most %d per request", len(ids), fleet.MaxBulk)
	case len(ids) == 0 && req.Filter == "":
		return fleet.BulkStateResult{}, errorf(http.StatusBadRequest, "bad_request", "give the findings' ids or a filter")
	case len(ids) == 0:
		var err error
		if ids, err = s.filterIDs(ctx, req.Filter); err != nil {
			return fleet.BulkStateResult{}, err
		}
	}
	for _, id := range ids {
		if id == "" || len(id) > 200 {
			return fleet.BulkStateResult{}, errorf(http.StatusBadRequest, "bad_request", "finding id %q is not one", clip(id))
		}
	}
	changed, unchanged, err := s.st.SetFindingsState(ctx, ids, req.State, req.Reason, p.actor(), s.now())
	if err != nil {
		return fleet.BulkStateResult{}, err
	}
	return fleet.BulkStateResult{Changed: nonNil(changed), Unchanged: nonNil(unchanged)}, nil
}

// filterIDs resolves a findings filter (a query string as GET /findings
// takes it) to at most fleet.MaxBulk ids; more is refused, not cut.
func (s *Server) filterIDs(ctx context.Context, filter string) ([]string, error) {
	v, err := url.ParseQuery(filter)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "bad_request", "filter: %v", err)
	}
	for _, k := range []string{"limit", "offset", "format"} {
		v.Del(k)
	}
	q, err := findingQuery(&http.Request{URL: &url.URL{RawQuery: v.Encode()}})
	if err != nil {
		return nil, err
	}
	q.Limit, q.Offset = fleet.MaxBulk, 0
	fs, total, err := s.st.ListFindings(ctx, q)
	if err != nil {
		return nil, err
	}
	if total > fleet.MaxBulk {
		return nil, errorf(http.StatusBadRequest, "too_many", "the filter selects %d findings; at most %d per request: narrow it", total, fleet.MaxBulk)
	}
	if total == 0 {
		return nil, errorf(http.StatusBadRequest, "bad_request", "the filter selects no finding")
	}
	ids := make([]string, len(fs))
	for i := range fs {
		ids[i] = fs[i].ID
	}
	return ids, nil
}

// auditBulk writes one audit entry for a bulk change, listing every
// finding it changed (and those already in the state).
func (s *Server) auditBulk(r *http.Request, p *principal, req fleet.BulkStateRequest, res fleet.BulkStateResult) {
	how := "ids"
	if req.Filter != "" {
		how = "filter " + req.Filter
	}
	s.audit(r, p, "finding.state.bulk", fmt.Sprintf("%d findings", len(res.Changed)),
		fmt.Sprintf("%s: %s; by %s; changed: %s; unchanged: %s", req.State, req.Reason, how,
			strings.Join(res.Changed, ","), strings.Join(res.Unchanged, ",")))
}

// withAssignees fills in the assignee of each finding.
func (s *Server) withAssignees(ctx context.Context, fs []fleet.Finding) error {
	if len(fs) == 0 {
		return nil
	}
	ids := make([]string, len(fs))
	for i := range fs {
		ids[i] = fs[i].ID
	}
	as, err := s.st.Assignments(ctx, fleet.SubjectFinding, ids)
	if err != nil {
		return err
	}
	for i := range fs {
		fs[i].Assignee = as[fs[i].ID].Assignee
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
