package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func (s *Server) getIntel(w http.ResponseWriter, r *http.Request, _ *principal) error {
	st, err := s.IntelStatus(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// IntelStatus lists the stored documents and revocations.
func (s *Server) IntelStatus(ctx context.Context) (fleet.IntelStatus, error) {
	ist, err := s.intel.current(ctx)
	if err != nil {
		return fleet.IntelStatus{}, err
	}
	out := fleet.IntelStatus{Version: ist.version, Docs: []fleet.IntelDoc{}, Revocations: []fleet.Revocation{}, Counts: ist.in.Counts()}
	for _, d := range ist.docs {
		out.Docs = append(out.Docs, d.IntelDoc)
	}
	for _, r := range ist.revoked {
		out.Revocations = append(out.Revocations, r)
	}
	return out, nil
}

func (s *Server) postIntel(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := r.URL.Query().Get("name")
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	res, err := s.ImportIntel(r.Context(), name, "upload", data, p.actor())
	if err != nil {
		return err
	}
	if res.Changed {
		s.audit(r, p, "intel.import", name, fmt.Sprintf("sha256 %s, version %d, hunt %d", res.Doc.SHA256, res.Version, res.HuntID))
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) deleteIntel(w http.ResponseWriter, r *http.Request, p *principal) error {
	name := r.PathValue("name")
	res, err := s.RemoveIntel(r.Context(), name, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "intel.remove", name, fmt.Sprintf("version %d, hunt %d", res.Version, res.HuntID))
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.RevokeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	req.Indicator = strings.TrimSpace(req.Indicator)
	if req.Indicator == "" || len(req.Indicator) > 512 || len(req.Reason) > 2000 {
		return errorf(http.StatusBadRequest, "bad_request", "an indicator id (or advisory:<id>) of at most 512 characters is required")
	}
	res, err := s.Revoke(r.Context(), req.Indicator, req.Reason, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "intel.revoke", req.Indicator, req.Reason)
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) unrevoke(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("indicator")
	res, err := s.Unrevoke(r.Context(), id, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "intel.unrevoke", id, "")
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listHunts(w http.ResponseWriter, r *http.Request, _ *principal) error {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	hs, err := s.st.ListHunts(r.Context(), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"hunts": nonNil(hs)})
	return nil
}

func (s *Server) getHunt(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	h, err := s.st.Hunt(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ *principal) error {
	ts, err := s.st.ListTokens(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": nonNil(ts)})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	created, err := s.CreateToken(r.Context(), req, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "token.create", fmt.Sprintf("token %d", created.Token.ID), fmt.Sprintf("role %s, name %q", req.Role, req.Name))
	writeJSON(w, http.StatusCreated, created)
	return nil
}

// CreateToken makes an admin, analyst, enrollment or TAXII token; agent tokens
// come only from enrollment.
func (s *Server) CreateToken(ctx context.Context, req fleet.TokenRequest, by string) (fleet.TokenCreated, error) {
	switch {
	case req.Role != fleet.TokenAdmin && req.Role != fleet.TokenAnalyst && req.Role != fleet.TokenEnroll && req.Role != fleet.TokenTAXII:
		return fleet.TokenCreated{}, errorf(http.StatusBadRequest, "bad_request", "role must be admin, analyst, enroll or taxii")
	case req.Name == "" || len(req.Name) > 128 || strings.ContainsRune(req.Name, 0):
		return fleet.TokenCreated{}, errorf(http.StatusBadRequest, "bad_request", "a name of 1 to 128 characters is required")
	case req.TTL < 0 || req.Uses < 0:
		return fleet.TokenCreated{}, errorf(http.StatusBadRequest, "bad_request", "ttl and uses must not be negative")
	}
	roles, err := validRoles(req.HostRoles)
	if err != nil {
		return fleet.TokenCreated{}, err
	}
	t := fleet.Token{Name: req.Name, Role: req.Role, HostRoles: roles, Created: s.now(), UsesLeft: -1, By: by}
	if req.Uses > 0 {
		t.UsesLeft = req.Uses
	}
	ttl := time.Duration(req.TTL)
	if ttl == 0 && req.Role == fleet.TokenEnroll {
		ttl = 24 * time.Hour
	}
	if ttl > 0 {
		t.Expires = t.Created.Add(ttl)
	}
	secret, hash := newSecret()
	t, err = s.st.CreateToken(ctx, hash, t)
	return fleet.TokenCreated{Token: t, Secret: secret}, err
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	s.forgetTokens(func(t fleet.Token) bool { return t.ID == id })
	s.audit(r, p, "token.revoke", fmt.Sprintf("token %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listFeeds(w http.ResponseWriter, r *http.Request, _ *principal) error {
	fs, err := s.st.ListFeeds(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"feeds": nonNil(fs)})
	return nil
}

func (s *Server) addFeed(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.FeedRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	f, err := s.AddFeed(r.Context(), req)
	if err != nil {
		return err
	}
	// The audit names the feed and which credential it has, never the
	// credential.
	s.audit(r, p, "feed.add", f.URL, fmt.Sprintf("kind=%s collection=%q auth=%s interval=%s", f.Kind, f.Collection, f.Auth, time.Duration(f.Interval)))
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) deleteFeed(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.DeleteFeed(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, p, "feed.delete", fmt.Sprintf("feed %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, _ *principal) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before", 0)
	if err != nil {
		return err
	}
	log, err := s.st.AuditLog(r.Context(), limit, int64(before))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"audit": nonNil(log)})
	return nil
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, _ *principal) error {
	rs, err := s.st.Releases(r.Context(), r.URL.Query().Get("sha256"))
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"releases": nonNil(rs)})
	return nil
}

func (s *Server) addRelease(w http.ResponseWriter, r *http.Request, p *principal) error {
	var rel fleet.Release
	if err := decodeJSON(r, &rel); err != nil {
		return err
	}
	if rel.Product == "" || len(rel.Product) > 256 || len(rel.Version) > 256 || len(rel.Notes) > 4000 {
		return errorf(http.StatusBadRequest, "bad_request", "product (1 to 256 characters) is required")
	}
	rel.ID = 0
	out, err := s.st.AddRelease(r.Context(), rel)
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	s.audit(r, p, "release.add", fmt.Sprintf("release %d", out.ID), rel.Product+" "+rel.Version+" "+rel.SHA256)
	writeJSON(w, http.StatusCreated, out)
	return nil
}
