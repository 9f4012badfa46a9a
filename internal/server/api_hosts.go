package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

var roleRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func validRoles(in []string) ([]string, error) {
	var out []string
	for _, r := range in {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !roleRE.MatchString(r) {
			return nil, errorf(http.StatusBadRequest, "bad_request", "role %q: use 1 to 32 lower-case letters, digits or dashes", clip(r))
		}
		out = append(out, r)
	}
	if len(out) > 32 {
		return nil, errorf(http.StatusBadRequest, "bad_request", "at most 32 roles")
	}
	return out, nil
}

// markStale flags hosts that stopped reporting; images and SBOMs never do.
func (s *Server) markStale(h *fleet.Host) {
	if h.Source == "image" || h.Source == "sbom" {
		return
	}
	h.Stale = h.LastUpload.IsZero() || s.now().Sub(h.LastUpload) > s.cfg.StaleAfter
}

func (s *Server) listHosts(w http.ResponseWriter, r *http.Request, _ *principal) error {
	q := store.HostQuery{Search: r.URL.Query().Get("q"), Role: r.URL.Query().Get("role")}
	var err error
	if q.Limit, err = queryInt(r, "limit", 100); err != nil {
		return err
	}
	if q.Offset, err = queryInt(r, "offset", 0); err != nil {
		return err
	}
	hosts, total, err := s.st.ListHosts(r.Context(), q)
	if err != nil {
		return err
	}
	for i := range hosts {
		s.markStale(&hosts[i])
	}
	writeJSON(w, http.StatusOK, fleet.HostList{Hosts: nonNil(hosts), Total: total})
	return nil
}

func (s *Server) hostFromPath(r *http.Request) (fleet.Host, error) {
	id, err := pathInt(r, "id")
	if err != nil {
		return fleet.Host{}, err
	}
	h, err := s.st.Host(r.Context(), id)
	s.markStale(&h)
	return h, err
}

func (s *Server) getHost(w http.ResponseWriter, r *http.Request, _ *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) setRoles(w http.ResponseWriter, r *http.Request, p *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	var req fleet.RolesRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	roles, err := validRoles(req.Roles)
	if err != nil {
		return err
	}
	if err := s.st.SetHostRoles(r.Context(), h.ID, roles); err != nil {
		return err
	}
	s.audit(r, p, "host.roles", fmt.Sprintf("host %d (%s)", h.ID, h.UID), strings.Join(roles, ","))
	h, err = s.st.Host(r.Context(), h.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

// hostEnrollToken is an admin's explicit consent to enroll a host again
// (a reinstalled machine that lost its agent credential): a one-use
// enrollment token, valid for 24 hours, that enrolls this host and no
// other. Shared enrollment tokens never re-bind an enrolled host.
func (s *Server) hostEnrollToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	now := s.now()
	t := fleet.Token{Name: "reenroll:" + h.UID, Role: fleet.TokenEnroll, HostID: h.ID, Created: now, Expires: now.Add(24 * time.Hour),
		UsesLeft: 1, By: p.actor()}
	secret, hash := newSecret()
	if t, err = s.st.CreateToken(r.Context(), hash, t); err != nil {
		return err
	}
	s.audit(r, p, "host.reenroll_allowed", fmt.Sprintf("host %d (%s)", h.ID, h.UID), fmt.Sprintf("one-use enrollment token %d", t.ID))
	writeJSON(w, http.StatusCreated, fleet.TokenCreated{Token: t, Secret: secret})
	return nil
}

func (s *Server) listObservations(w http.ResponseWriter, r *http.Request, _ *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	q := store.ObsQuery{HostID: h.ID, Kind: r.URL.Query().Get("kind"), History: queryBool(r, "history"), Search: r.URL.Query().Get("q")}
	if q.Kind == "" {
		q.Kind = fleet.ObsSoftware
	}
	if q.Kind != fleet.ObsSoftware && q.Kind != fleet.ObsFile && q.Kind != fleet.ObsArtifact {
		return errorf(http.StatusBadRequest, "bad_request", "kind must be software, file or artifact")
	}
	if q.Limit, err = queryInt(r, "limit", 1000); err != nil {
		return err
	}
	if q.Offset, err = queryInt(r, "offset", 0); err != nil {
		return err
	}
	obs, err := s.st.Observations(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"observations": nonNil(obs)})
	return nil
}

func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request, _ *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	snaps, err := s.st.Snapshots(r.Context(), h.ID, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": nonNil(snaps)})
	return nil
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request, _ *principal) error {
	h, err := s.hostFromPath(r)
	if err != nil {
		return err
	}
	tl, err := s.Timeline(r.Context(), h.ID, 500)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"timeline": nonNil(tl)})
	return nil
}

// Timeline is a host's history, newest first: snapshots, software
// installed and removed, findings raised and triaged.
func (s *Server) Timeline(ctx context.Context, hostID int64, limit int) ([]fleet.TimelineEntry, error) {
	var out []fleet.TimelineEntry
	snaps, err := s.st.Snapshots(ctx, hostID, limit)
	if err != nil {
		return nil, err
	}
	for _, sn := range snaps {
		out = append(out, fleet.TimelineEntry{At: sn.CollectedAt, Kind: "snapshot",
			Text: fmt.Sprintf("%s snapshot: %d new, %d gone", sn.Kind, sn.Opened, sn.Closed)})
	}
	sw, err := s.st.Observations(ctx, store.ObsQuery{HostID: hostID, Kind: fleet.ObsSoftware, History: true, Limit: 10 * limit})
	if err != nil {
		return nil, err
	}
	for _, o := range sw {
		name := strings.TrimSpace(o.Software.Name + " " + o.Software.Version)
		out = append(out, fleet.TimelineEntry{At: o.FirstSeen, Kind: "installed", Text: name + " seen"})
		if !o.Present {
			out = append(out, fleet.TimelineEntry{At: o.GoneAt, Kind: "removed", Text: name + " gone"})
		}
	}
	fs, _, err := s.st.ListFindings(ctx, store.FindingQuery{HostID: hostID, Retracted: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		out = append(out, fleet.TimelineEntry{At: f.DetectedAt, Kind: "finding", Text: "finding raised: " + f.Title, FindingID: f.ID})
		evs, err := s.st.FindingEvents(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			text := fmt.Sprintf("%s marked %s by %s", f.Title, e.To, e.Actor)
			if e.Reason != "" {
				text += ": " + e.Reason
			}
			out = append(out, fleet.TimelineEntry{At: e.At, Kind: "state", Text: text, FindingID: f.ID})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
