package server

import (
	"net/http"
	"slices"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	incs, err := s.Incidents(r.Context())
	if err != nil {
		return err
	}
	hosts, total, err := s.st.ListHosts(r.Context(), store.HostQuery{Limit: 10000})
	if err != nil {
		return err
	}
	stale := 0
	for i := range hosts {
		s.markStale(&hosts[i])
		if hosts[i].Stale {
			stale++
		}
	}
	open, openTotal, err := s.st.ListFindings(r.Context(), store.FindingQuery{States: []string{fleet.StateNew}, Limit: 20})
	if err != nil {
		return err
	}
	hunts, err := s.st.ListHunts(r.Context(), 5)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "overview", p, map[string]any{"Title": "Overview", "Incidents": incs,
		"Hosts": total, "Stale": stale, "New": open, "NewTotal": openTotal, "Hunts": hunts})
}

func (s *Server) hostsPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := store.HostQuery{Search: r.URL.Query().Get("q"), Role: r.URL.Query().Get("role"), Limit: 500}
	hosts, total, err := s.st.ListHosts(r.Context(), q)
	if err != nil {
		return err
	}
	for i := range hosts {
		s.markStale(&hosts[i])
	}
	return s.render(w, http.StatusOK, "hosts", p, map[string]any{"Title": "Hosts", "Hosts": hosts, "Total": total, "Q": q.Search, "Role": q.Role})
}

func (s *Server) hostPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	history := queryBool(r, "history")
	sw, err := s.st.Observations(r.Context(), store.ObsQuery{HostID: h.ID, Kind: fleet.ObsSoftware, History: history, Limit: 2000})
	if err != nil {
		return err
	}
	fs, _, err := s.st.ListFindings(r.Context(), store.FindingQuery{HostID: h.ID, Limit: 500})
	if err != nil {
		return err
	}
	tl, err := s.Timeline(r.Context(), h.ID, 200)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "host", p, map[string]any{"Title": h.Name, "Host": h, "Software": sw,
		"History": history, "Findings": fs, "Timeline": tl, "Return": r.URL.RequestURI()})
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	d, err := s.IncidentDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	tr, err := s.TriageOf(r.Context(), fleet.SubjectIncident, d.ID)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "incident", p, map[string]any{"Title": d.Name, "Incident": d, "Return": r.URL.RequestURI(),
		"Exposure": exposureSVG(&d, s.cfg.Now()), "Triage": tr, "Base": subjectPage(fleet.SubjectIncident, d.ID)})
}

func (s *Server) findingPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	d, err := s.FindingDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	tr, err := s.TriageOf(r.Context(), fleet.SubjectFinding, d.Finding.ID)
	if err != nil {
		return err
	}
	// Sources by name (a STIX identity's, not its id); the reasons are
	// copied first, as the store may share them with its cache.
	ist, err := s.intel.current(r.Context())
	if err != nil {
		return err
	}
	d.Finding.Reasons = slices.Clone(d.Finding.Reasons)
	for i := range d.Finding.Reasons {
		d.Finding.Reasons[i].Source = sourceLabel(ist.in, d.Finding.Reasons[i].Source)
	}
	return s.render(w, http.StatusOK, "finding", p, map[string]any{"Title": d.Finding.Title, "D": d, "Return": r.URL.RequestURI(),
		"Triage": tr, "Base": subjectPage(fleet.SubjectFinding, d.Finding.ID)})
}

// triage changes a finding's state from a form and returns to the page
// the form was on.
func (s *Server) triage(w http.ResponseWriter, r *http.Request, p *principal) error {
	req := fleet.StateRequest{State: r.PostFormValue("state"), Reason: r.PostFormValue("reason")}
	f, err := s.SetState(r.Context(), r.PathValue("id"), req, p)
	if err != nil {
		return err
	}
	s.audit(r, p, "finding.state", "finding "+f.ID, req.State+": "+req.Reason)
	back := safeNext(r.PostFormValue("return"))
	if back == "/" {
		back = "/findings/" + f.ID
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) intelPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	st, err := s.IntelStatus(r.Context())
	if err != nil {
		return err
	}
	hunts, err := s.st.ListHunts(r.Context(), 20)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Intel", "Intel": st, "Hunts": hunts}
	if p.token.Role == fleet.TokenAdmin {
		feeds, err := s.st.ListFeeds(r.Context())
		if err != nil {
			return err
		}
		data["Feeds"] = feeds
	}
	return s.render(w, http.StatusOK, "intel", p, data)
}
