package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/sbom"
	"github.com/cascade-ir/cascade/internal/store"
)

// enroll exchanges an enrollment token for the host's own credential.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.EnrollRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	h := req.Host
	if err := fleet.ValidateHost(&h); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	secret, hash := newSecret()
	host, tok, err := s.st.Enroll(r.Context(), hashSecret(bearer(r)), h, hash, s.now())
	if errors.Is(err, store.ErrHostEnrolled) {
		// A shared token claiming a host the server has: a reinstalled
		// agent or a stolen token. Either way the host keeps its
		// credential and history; an admin re-enrolls it explicitly.
		// It counts as a failed token for the address, so repeated
		// attempts are rate-limited (429) like guessed tokens and cannot
		// flood the audit log.
		s.limiter.fail(clientKey(r), s.now())
		s.audit(r, p, "host.enroll_refused", fmt.Sprintf("host %d (%s)", host.ID, host.UID),
			fmt.Sprintf("enrollment token %d claimed an enrolled host id %q", p.token.ID, h.ID))
		return errorf(http.StatusConflict, "host_enrolled",
			"host id %q is already enrolled; an admin must allow its re-enrollment (POST %s/hosts/%d/enroll-token)", h.ID, fleet.APIVersion, host.ID)
	}
	if err != nil {
		return err
	}
	s.forgetTokens(func(t fleet.Token) bool { return t.HostID == host.ID && t.ID != tok.ID })
	s.audit(r, p, "host.enroll", fmt.Sprintf("host %d (%s)", host.ID, host.UID), "agent token "+fmt.Sprint(tok.ID))
	res := fleet.EnrollResponse{HostID: host.ID, Token: secret}
	if pub, err := s.HuntPublicKey(r.Context()); err == nil {
		res.ServerKey = fleet.EncodeKey(pub)
	} else {
		s.log.Warn("enrollment without the YARA hunt key; the agent fetches it later", "err", err)
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func bearer(r *http.Request) string {
	v, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(v)
}

// importSnapshot stores snapshots from elsewhere: a `cascade inventory`
// file (one snapshot or an array) or a CycloneDX/SPDX SBOM.
func (s *Server) importSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	rd, err := s.body(r)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return toHTTP(err)
	}
	q := r.URL.Query()
	var roles []string
	if v := q.Get("roles"); v != "" {
		if roles, err = validRoles(strings.Split(v, ",")); err != nil {
			return err
		}
	}
	name := q.Get("name")
	if name == "" {
		name = "upload"
	}
	snaps, err := sbom.Snapshots(name, data, sbom.Options{HostID: q.Get("host"), HostName: q.Get("host_name"), Now: s.now()})
	if err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "%v", err)
	}
	var out []fleet.ImportResult
	for i, sn := range snaps {
		host, res, err := s.ImportSnapshot(r.Context(), sn, roles, importUploadID(q.Get("upload_id"), i))
		if err != nil {
			return err
		}
		out = append(out, fleet.ImportResult{Host: host, Result: res})
		s.audit(r, p, "snapshot.import", fmt.Sprintf("host %d (%s)", host.ID, host.UID), name)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func importUploadID(base string, i int) string {
	if base == "" {
		return "import-" + newID()
	}
	return fmt.Sprintf("%s-%d", base, i)
}
