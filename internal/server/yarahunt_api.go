package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// yaraHuntBody caps a hunt request: the rules plus a little JSON.
const yaraHuntBody = fleet.MaxYARAHuntRules + 64<<10

// yaraResultBody caps an agent's hunt result: MaxYARAHuntFiles files,
// each with a few capped rule matches.
const yaraResultBody = 16 << 20

func (s *Server) yaraHuntRoutes() []route {
	v := fleet.APIVersion
	return []route{
		{"GET", v + "/yara-hunts", rolesRead, 0, s.listYARAHunts},
		{"POST", v + "/yara-hunts", rolesAdmin, yaraHuntBody, s.createYARAHunt},
		{"GET", v + "/yara-hunts/{id}", rolesRead, 0, s.getYARAHunt},
		{"DELETE", v + "/yara-hunts/{id}", rolesAdmin, 0, s.cancelYARAHunt},
		{"GET", v + "/agent/server-key", rolesAgent, 0, s.agentServerKey},
		{"GET", v + "/agent/yara-hunts", rolesAgent, 0, s.agentYARAHunts},
		{"POST", v + "/agent/yara-hunts/{id}/result", rolesAgent, yaraResultBody, s.agentYARAHuntResult},
	}
}

func (s *Server) createYARAHunt(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.YARAHuntCreate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	scope := fleet.YARAHuntScope{Hosts: req.Hosts, All: len(req.Hosts) == 0 && len(req.Roles) == 0}
	if len(req.Roles) > 0 {
		roles, err := validRoles(req.Roles)
		if err != nil {
			return err
		}
		scope.Roles = roles
	}
	h, err := s.CreateYARAHunt(r.Context(), []fleet.YARAHuntRule{{Indicator: adminHuntNamespace, Text: req.Rules}}, scope, p.actor(), "")
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	if err != nil {
		return err
	}
	s.audit(r, p, "yara_hunt.create", fmt.Sprintf("yara hunt %d", h.ID), fmt.Sprintf("%d hosts, rules %s", h.Asked, h.Fingerprint[:16]))
	if full, err := s.st.YARAHunt(r.Context(), h.ID); err == nil {
		h = full
	}
	s.deriveOffline(&h, s.now())
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) listYARAHunts(w http.ResponseWriter, r *http.Request, _ *principal) error {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	hs, err := s.st.YARAHunts(r.Context(), limit)
	if err != nil {
		return err
	}
	now := s.now()
	for i := range hs {
		s.deriveOffline(&hs[i], now)
		hs[i].Hosts = nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"yara_hunts": nonNil(hs)})
	return nil
}

func (s *Server) getYARAHunt(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	h, err := s.st.YARAHunt(r.Context(), id)
	if err != nil {
		return err
	}
	s.deriveOffline(&h, s.now())
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) cancelYARAHunt(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.CancelYARAHunt(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.audit(r, p, "yara_hunt.cancel", fmt.Sprintf("yara hunt %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// agentServerKey gives an agent enrolled before hunts existed the key
// over its authenticated channel (trust on first use, docs/server.md).
func (s *Server) agentServerKey(w http.ResponseWriter, r *http.Request, _ *principal) error {
	pub, err := s.HuntPublicKey(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fleet.ServerKeyResponse{Key: fleet.EncodeKey(pub), KeyID: fleet.KeyID(pub)})
	return nil
}

// agentYARAHunts hands the agent its oldest open hunt (one at a time)
// and marks it running.
func (s *Server) agentYARAHunts(w http.ResponseWriter, r *http.Request, p *principal) error {
	if p.token.HostID == 0 {
		return errorf(http.StatusForbidden, "forbidden", "this token is bound to no host")
	}
	h, err := s.st.PendingYARAHunt(r.Context(), p.token.HostID, s.now())
	if err != nil {
		return err
	}
	out := fleet.YARAHuntRequests{Hunts: []fleet.YARAHuntRequest{}}
	if h != nil {
		err := s.st.StartYARAHunt(r.Context(), h.ID, p.token.HostID, s.now())
		if err != nil && !errors.Is(err, store.ErrConflict) { // running already: handed out again
			return err
		}
		out.Hunts = append(out.Hunts, h.Request(fleet.DefaultYARAHuntBudget))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) agentYARAHuntResult(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if p.token.HostID == 0 {
		return errorf(http.StatusForbidden, "forbidden", "this token is bound to no host")
	}
	var res fleet.YARAHuntResult
	if err := decodeJSON(r, &res); err != nil {
		return err
	}
	if len(res.Files) > fleet.MaxYARAHuntFiles {
		return errorf(http.StatusBadRequest, "bad_request", "%d matched files; the cap is %d", len(res.Files), fleet.MaxYARAHuntFiles)
	}
	if len(res.Error) > 4096 {
		res.Error = res.Error[:4096]
	}
	f, err := s.FinishYARAHunt(r.Context(), id, p.token.HostID, &res)
	if errors.Is(err, store.ErrConflict) {
		return errorf(http.StatusConflict, "conflict", "%v", err)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": f.State, "findings": len(f.Hits), "unrecorded": f.Unrecorded})
	return nil
}
