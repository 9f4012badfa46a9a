package server

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

// storageFaultWindow is how long /healthz reports a write the database
// had no room for. A load balancer then takes the replica out and sends
// the agents elsewhere; once the window passes without another failure
// the replica is healthy again (a probe write would not tell: rewriting
// a row can succeed on a full disk).
const storageFaultWindow = time.Minute

// healthState remembers the last storage failure of any request or
// background job.
type healthState struct {
	mu  sync.Mutex
	at  time.Time
	msg string
}

// note records err when it says the storage is full.
func (h *healthState) note(err error, now time.Time) {
	if err == nil || !errors.Is(err, store.ErrFull) {
		return
	}
	h.mu.Lock()
	h.at, h.msg = now, err.Error()
	h.mu.Unlock()
}

// fault returns the storage failure seen within the window, if any.
func (h *healthState) fault(now time.Time) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.at, !h.at.IsZero() && now.Sub(h.at) < storageFaultWindow
}

// health answers /healthz: 200 when the database answers and no write
// found it full within the last minute; 503 (with Retry-After) otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request, _ *principal) error {
	v, err := s.st.SchemaVersion(r.Context())
	if err != nil {
		return err
	}
	if at, bad := s.storage.fault(s.now()); bad {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "degraded", "store": s.st.Engine(), "schema": v,
			"storage": "full", "storage_error_at": at.UTC()})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "store": s.st.Engine(), "schema": v})
	return nil
}
