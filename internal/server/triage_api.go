package server

import (
	"fmt"
	"net/http"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// triageRoutes are the API's triage endpoints (docs/api.md).
func (s *Server) triageRoutes() []route {
	v := fleet.APIVersion
	return []route{
		{"POST", v + "/findings/state", rolesRead, smallBody, s.bulkState},
		{"GET", v + "/findings/export", rolesRead, 0, s.exportFindings},
		{"GET", v + "/findings/{id}/triage", rolesRead, 0, s.triageAPI(fleet.SubjectFinding)},
		{"POST", v + "/findings/{id}/assign", rolesRead, smallBody, s.assignAPI(fleet.SubjectFinding)},
		{"POST", v + "/findings/{id}/comments", rolesRead, smallBody, s.commentAPI(fleet.SubjectFinding)},
		{"GET", v + "/incidents/{id}/triage", rolesRead, 0, s.triageAPI(fleet.SubjectIncident)},
		{"POST", v + "/incidents/{id}/assign", rolesRead, smallBody, s.assignAPI(fleet.SubjectIncident)},
		{"POST", v + "/incidents/{id}/comments", rolesRead, smallBody, s.commentAPI(fleet.SubjectIncident)},
	}
}

func (s *Server) triageAPI(kind string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *principal) error {
		id := r.PathValue("id")
		if err := s.subjectExists(r, kind, id); err != nil {
			return err
		}
		t, err := s.TriageOf(r.Context(), kind, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

// subjectExists answers 404 for an unknown finding or incident.
func (s *Server) subjectExists(r *http.Request, kind, id string) error {
	if kind == fleet.SubjectFinding {
		_, err := s.st.Finding(r.Context(), id)
		return err
	}
	return s.checkSubject(r.Context(), kind, id)
}

func (s *Server) assignAPI(kind string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		var req fleet.AssignRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		a, err := s.Assign(r.Context(), kind, r.PathValue("id"), req.Assignee, p)
		if err != nil {
			return err
		}
		s.auditAssign(r, p, a)
		writeJSON(w, http.StatusOK, a)
		return nil
	}
}

func (s *Server) auditAssign(r *http.Request, p *principal, a fleet.Assignment) {
	detail := "unassigned"
	if a.Assignee != "" {
		detail = "assigned to " + a.Assignee
	}
	s.audit(r, p, a.Kind+".assign", a.Kind+" "+a.Subject, detail)
}

func (s *Server) commentAPI(kind string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		var req fleet.CommentRequest
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		n, err := s.Comment(r.Context(), kind, r.PathValue("id"), req.Text, p)
		if err != nil {
			return err
		}
		s.auditComment(r, p, n)
		writeJSON(w, http.StatusCreated, n)
		return nil
	}
}

// auditComment records a comment with its text (bounded by
// fleet.MaxCommentBytes).
func (s *Server) auditComment(r *http.Request, p *principal, n fleet.TriageNote) {
	s.audit(r, p, n.Kind+".comment", n.Kind+" "+n.Subject, fmt.Sprintf("note %d: %s", n.ID, n.Text))
}

func (s *Server) bulkState(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.BulkStateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	res, err := s.BulkState(r.Context(), req, p)
	if err != nil {
		return err
	}
	s.auditBulk(r, p, req, res)
	writeJSON(w, http.StatusOK, res)
	return nil
}
