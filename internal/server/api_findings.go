package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// findingQuery reads the findings filters shared by the API and the UI.
func findingQuery(r *http.Request) (store.FindingQuery, error) {
	q := r.URL.Query()
	fq := store.FindingQuery{Incident: q.Get("incident"), PresentOnly: queryBool(r, "present"),
		Retracted: queryBool(r, "retracted"), Search: q.Get("q"), Assignee: strings.TrimSpace(q.Get("assignee"))}
	if fq.Incident == unattributed { // the incident page's name for "no incident"
		fq.Incident, fq.Unattributed = "", true
	}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !fleet.ValidState(st) {
				return fq, errorf(http.StatusBadRequest, "bad_request", "unknown state %q", clip(st))
			}
			fq.States = append(fq.States, st)
		}
	}
	var err error
	if h, e := queryInt(r, "host", 0); e != nil {
		return fq, e
	} else {
		fq.HostID = int64(h)
	}
	if fq.MinScore, err = queryInt(r, "min_score", 0); err != nil {
		return fq, err
	}
	if fq.Limit, err = queryInt(r, "limit", 100); err != nil {
		return fq, err
	}
	fq.Offset, err = queryInt(r, "offset", 0)
	return fq, err
}

func (s *Server) listFindings(w http.ResponseWriter, r *http.Request, _ *principal) error {
	q, err := findingQuery(r)
	if err != nil {
		return err
	}
	fs, total, err := s.st.ListFindings(r.Context(), q)
	if err != nil {
		return err
	}
	if err := s.withAssignees(r.Context(), fs); err != nil {
		return err
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, http.StatusOK, fleet.FindingList{Findings: nonNil(fs), Total: total})
		return nil
	case "jsonl":
		w.Header().Set("Content-Type", "application/x-ndjson")
		return fleet.WriteFindingsJSONL(w, fs)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		return fleet.WriteFindingsCSV(w, fs)
	}
	return errorf(http.StatusBadRequest, "bad_request", "format must be json, jsonl or csv")
}

func (s *Server) getFinding(w http.ResponseWriter, r *http.Request, _ *principal) error {
	d, err := s.FindingDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// FindingDetail is a finding with its evidence and triage history.
func (s *Server) FindingDetail(ctx context.Context, id string) (fleet.FindingDetail, error) {
	f, err := s.st.Finding(ctx, id)
	if err != nil {
		return fleet.FindingDetail{}, err
	}
	ev, err := s.st.FindingEvidence(ctx, id)
	if err != nil {
		return fleet.FindingDetail{}, err
	}
	events, err := s.st.FindingEvents(ctx, id)
	if err != nil {
		return fleet.FindingDetail{}, err
	}
	one := []fleet.Finding{f}
	if err := s.withAssignees(ctx, one); err != nil {
		return fleet.FindingDetail{}, err
	}
	f = one[0]
	d := fleet.FindingDetail{Finding: f, Evidence: []fleet.Observation{}, Events: nonNil(events)}
	for _, o := range ev {
		d.Evidence = append(d.Evidence, o.Observation)
	}
	return d, nil
}

func (s *Server) setState(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.StateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f, err := s.SetState(r.Context(), r.PathValue("id"), req, p)
	if err != nil {
		return err
	}
	s.audit(r, p, "finding.state", "finding "+f.ID, req.State+": "+req.Reason)
	writeJSON(w, http.StatusOK, f)
	return nil
}

// SetState triages a finding; a false positive needs a reason.
func (s *Server) SetState(ctx context.Context, id string, req fleet.StateRequest, p *principal) (fleet.Finding, error) {
	req.Reason = strings.TrimSpace(req.Reason)
	if err := checkStateRequest(req); err != nil {
		return fleet.Finding{}, err
	}
	return s.st.SetFindingState(ctx, id, req.State, req.Reason, p.actor(), s.now())
}

// checkStateRequest checks a state and its reason (a false positive
// needs one).
func checkStateRequest(req fleet.StateRequest) error {
	switch {
	case !fleet.ValidState(req.State):
		return errorf(http.StatusBadRequest, "bad_request", "state must be new, acknowledged, false_positive or resolved")
	case req.State == fleet.StateFalsePositive && req.Reason == "":
		return errorf(http.StatusBadRequest, "bad_request", "a false positive needs a reason")
	case len(req.Reason) > 2000:
		return errorf(http.StatusBadRequest, "bad_request", "reason is longer than 2000 characters")
	}
	return nil
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request, _ *principal) error {
	incs, err := s.Incidents(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": nonNil(incs)})
	return nil
}

// unattributed names findings that belong to no incident.
const unattributed = "unattributed"

// Incidents summarizes the fleet's exposure per incident, with names and
// remediation from the current intel.
func (s *Server) Incidents(ctx context.Context) ([]fleet.Incident, error) {
	incs, err := s.st.Incidents(ctx)
	if err != nil {
		return nil, err
	}
	ist, err := s.intel.current(ctx)
	if err != nil {
		return nil, err
	}
	for i := range incs {
		s.describeIncident(ist, &incs[i])
	}
	return incs, nil
}

func (s *Server) describeIncident(ist *intelState, in *fleet.Incident) {
	if in.ID == "" {
		in.ID, in.Name = unattributed, "Findings without an incident"
		return
	}
	in.Name = in.ID
	if x := ist.in.Incident(in.ID); x != nil {
		in.Name, in.Summary, in.Remediation, in.References = x.Name, x.Summary, x.Remediation, x.References
		in.Related = relatedIncidents(ist.in, x)
		for _, src := range x.Sources {
			in.Sources = append(in.Sources, sourceName(ist.in, src))
		}
		for _, a := range x.Actors {
			if actor := ist.in.Actor(a); actor != nil {
				in.Actors = append(in.Actors, actor.Name)
			} else {
				in.Actors = append(in.Actors, a)
			}
		}
	}
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, _ *principal) error {
	d, err := s.IncidentDetail(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// IncidentDetail lists the hosts an incident affects, each with its
// exposure window and findings.
func (s *Server) IncidentDetail(ctx context.Context, id string) (fleet.IncidentDetail, error) {
	incs, err := s.Incidents(ctx)
	if err != nil {
		return fleet.IncidentDetail{}, err
	}
	var d fleet.IncidentDetail
	found := false
	for _, in := range incs {
		if in.ID == id {
			d.Incident, found = in, true
		}
	}
	if !found {
		// An incident the intel knows but no host has (yet) still has a
		// page, so links between related incidents lead somewhere.
		ist, err := s.intel.current(ctx)
		if err != nil {
			return d, err
		}
		if id == unattributed || ist.in.Incident(id) == nil {
			return d, fmt.Errorf("incident %q: %w", id, store.ErrNotFound)
		}
		d.Incident.ID = id
		s.describeIncident(ist, &d.Incident)
		d.Hosts = []fleet.AffectedHost{}
		return d, nil
	}
	// The same query as GET /api/v1/findings?incident=ID, so the page and
	// the listing agree; false positives do not make a host affected.
	q := store.FindingQuery{Incident: id, Unattributed: id == unattributed, Limit: 100000,
		States: []string{fleet.StateNew, fleet.StateAcknowledged, fleet.StateResolved}}
	fs, _, err := s.st.ListFindings(ctx, q)
	if err != nil {
		return d, err
	}
	byHost := map[int64]int{}
	for _, f := range fs {
		i, ok := byHost[f.HostID]
		if !ok {
			i = len(d.Hosts)
			byHost[f.HostID] = i
			d.Hosts = append(d.Hosts, fleet.AffectedHost{HostID: f.HostID, HostUID: f.HostUID, Name: f.Host, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen})
		}
		ah := &d.Hosts[i]
		if f.FirstSeen.Before(ah.FirstSeen) {
			ah.FirstSeen = f.FirstSeen
		}
		if f.LastSeen.After(ah.LastSeen) {
			ah.LastSeen = f.LastSeen
		}
		ah.Present = ah.Present || f.Present
		if !f.ExposedSince.IsZero() && (ah.ExposedSince.IsZero() || f.ExposedSince.Before(ah.ExposedSince)) {
			ah.ExposedSince, ah.ExposedBy = f.ExposedSince, f.ExposedBy
		}
		ah.Findings = append(ah.Findings, f)
	}
	d.Hosts = nonNil(d.Hosts)
	return d, nil
}
