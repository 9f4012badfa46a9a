package server

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// uploadGate bounds the snapshot uploads being read at once: a number of
// slots, taken before the body is read, and a memory budget shared by
// the uploads in flight, charged record by record as they are decoded.
// A hostile agent's bomb runs the budget out and is refused (503) with
// the memory it held given back; it cannot take the server down.
type uploadGate struct {
	slots  chan struct{}
	budget int64
	mu     sync.Mutex
	free   int64
}

func newUploadGate(slots int, budget int64) *uploadGate {
	return &uploadGate{slots: make(chan struct{}, slots), budget: budget, free: budget}
}

var errUploadsBusy = errorf(http.StatusServiceUnavailable, fleet.CodeUnavailable, "the server is reading as many uploads as it may; retry later")

var errUploadMemory = errorf(http.StatusServiceUnavailable, fleet.CodeUnavailable, "the uploads being read hold the server's upload memory; retry later")

// enter takes a slot, or fails at once when none is free.
func (g *uploadGate) enter() (*uploadCharge, error) {
	select {
	case g.slots <- struct{}{}:
		return &uploadCharge{g: g}, nil
	default:
		return nil, errUploadsBusy
	}
}

// uploadCharge is one upload's share of the budget.
type uploadCharge struct {
	g *uploadGate
	n int64
}

// charge takes n bytes of the budget: a snapshot that needs more than
// all of it is too large (413: a retry cannot help), one that needs more
// than the others left is refused for now (503).
func (c *uploadCharge) charge(n int64) error {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	if c.n+n > c.g.budget {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the snapshot needs more memory than the server's upload budget of %d MiB", c.g.budget>>20)
	}
	if c.g.free < n {
		return errUploadMemory
	}
	c.g.free -= n
	c.n += n
	return nil
}

// leave gives the slot and the memory back; once, however often called.
func (c *uploadCharge) leave() {
	if c.g == nil {
		return
	}
	c.g.mu.Lock()
	c.g.free += c.n
	c.n = 0
	c.g.mu.Unlock()
	<-c.g.slots
	c.g = nil
}

// body returns the request body, gunzipped when sent compressed. A gzip
// body is one member, read to its end so its checksum and length are
// verified, with nothing after it; the decompressed size is capped at
// MaxSnapshot.
func (s *Server) body(r *http.Request) (io.Reader, error) {
	var rd io.Reader = r.Body
	switch strings.ToLower(r.Header.Get("Content-Encoding")) {
	case "", "identity":
	case "gzip":
		br := bufio.NewReader(r.Body)
		zr, err := gzip.NewReader(br)
		if err != nil {
			if he := toHTTP(err); he.Status == http.StatusRequestEntityTooLarge {
				return nil, he
			}
			return nil, errorf(http.StatusBadRequest, "bad_request", "gzip body: %v", err)
		}
		zr.Multistream(false)
		rd = &gzipBody{zr: zr, rest: br}
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported_encoding", "Content-Encoding must be gzip or absent")
	}
	return &cappedReader{r: rd, left: s.cfg.MaxSnapshot}, nil
}

// gzipBody is a gzip member that fails at its end when more bytes follow
// it, and turns gzip's own errors into 400s.
type gzipBody struct {
	zr   *gzip.Reader
	rest *bufio.Reader
}

func (g *gzipBody) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	switch {
	case err == io.EOF:
		if _, e := g.rest.ReadByte(); e != io.EOF {
			if e != nil {
				return n, e
			}
			return n, errorf(http.StatusBadRequest, "bad_request", "gzip body: data after the end of the gzip stream")
		}
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.Is(err, io.ErrUnexpectedEOF):
		return n, errorf(http.StatusBadRequest, "bad_request", "gzip body: %v", err)
	}
	return n, err
}

// cappedReader fails once more than its limit is read: a small gzip body
// must not inflate without bound.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errSnapshotTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errSnapshotTooLarge
	}
	return n, err
}

var errSnapshotTooLarge = errorf(http.StatusRequestEntityTooLarge, "too_large", "snapshot is larger than the server's limit once decompressed")

// uploadSnapshot stores an agent's snapshot (full or delta) for its own
// host only. Whether the upload may be read at all is decided before its
// body is: a full server answers 503 and closes the connection.
func (s *Server) uploadSnapshot(w http.ResponseWriter, r *http.Request, p *principal) error {
	c, err := s.uploads.enter()
	if err != nil {
		w.Header().Set("Connection", "close")
		return err
	}
	defer c.leave()
	rd, err := s.body(r)
	if err != nil {
		return err
	}
	up, err := fleet.DecodeUpload(rd, fleet.DecodeLimits{Limits: s.cfg.Limits, MaxBytes: s.cfg.MaxSnapshot, Charge: c.charge})
	if err != nil {
		return uploadError(err)
	}
	host, err := s.st.Host(r.Context(), p.token.HostID)
	if err != nil {
		return err
	}
	res, err := s.Ingest(r.Context(), host, up, store.KindFull)
	if err != nil {
		return err
	}
	// Agents get no match results: a finding count would tell a
	// compromised machine what the intel holds.
	res.Findings = 0
	// Free the slot before answering: the agent's next upload may come
	// as soon as it has the answer.
	c.leave()
	writeJSON(w, http.StatusOK, res)
	return nil
}

// uploadError maps a decoding failure: the server's own errors (a limit,
// the budget, a broken gzip stream) as they are, a size limit as 413,
// anything else as 400.
func uploadError(err error) error {
	var he *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &mbe):
		return toHTTP(mbe)
	case errors.Is(err, fleet.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "snapshot upload: %v", err)
	}
	return errorf(http.StatusBadRequest, "bad_request", "snapshot upload: %v", err)
}
