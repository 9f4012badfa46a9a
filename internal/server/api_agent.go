package server

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/sbom"
	"github.com/cascade-ir/cascade/internal/store"
)

// enroll exchanges an enrollment token for the host's own credential.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.EnrollRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	h := req.Host
	if h.ID == "" || len(h.ID) > 256 || len(h.Name) > 256 || strings.ContainsRune(h.ID+h.Name+h.OS, 0) {
		return errorf(http.StatusBadRequest, "bad_request", "host.id (1 to 256 bytes) is required")
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
	writeJSON(w, http.StatusCreated, fleet.EnrollResponse{HostID: host.ID, Token: secret})
	return nil
}

func bearer(r *http.Request) string {
	v, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(v)
}

// body returns the request body, gunzipped when sent compressed, capped at
// the decompressed snapshot limit.
func (s *Server) body(r *http.Request) (io.Reader, error) {
	var rd io.Reader = r.Body
	switch strings.ToLower(r.Header.Get("Content-Encoding")) {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bufio.NewReader(r.Body))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "bad_request", "gzip body: %v", err)
		}
		rd = zr
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_encoding", "Content-Encoding must be gzip or absent")
	}
	return &cappedReader{r: rd, left: s.cfg.MaxSnapshot}, nil
}

// cappedReader fails once more than its limit is read: a small gzip body
// must not inflate without bound.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, &http.MaxBytesError{}
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errorf(http.StatusRequestEntityTooLarge, "too_large", "snapshot is larger than the server's limit once decompressed")
	}
	return n, err
}

// uploadSnapshot stores an agent's snapshot (full or delta) for its own
// host only.
func (s *Server) uploadSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	rd, err := s.body(r)
	if err != nil {
		return err
	}
	var up fleet.Upload
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&up); err != nil {
		if he := toHTTP(err); he.Status != http.StatusInternalServerError {
			return he
		}
		return errorf(http.StatusBadRequest, "bad_request", "snapshot upload: %v", err)
	}
	host, err := s.st.Host(r.Context(), p.token.HostID)
	if err != nil {
		return err
	}
	res, err := s.Ingest(r.Context(), host, &up, store.KindFull)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
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
