package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// Error is what a handler returns: the status and the message the client
// may see. Err carries the detail that goes to the log only.
type Error struct {
	Status int
	Code   string
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds a client-visible error.
func errorf(status int, code, format string, a ...any) *Error {
	return &Error{Status: status, Code: code, Msg: fmt.Sprintf(format, a...)}
}

// codeStorageFull answers a write the database had no room for (507).
const codeStorageFull = "storage_full"

// toHTTP maps an engine error to what a client may see.
func toHTTP(err error) *Error {
	var he *Error
	var mbe *http.MaxBytesError
	var rl *errRateLimited
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &rl):
		return &Error{http.StatusTooManyRequests, "rate_limited", rl.Error(), err}
	case errors.Is(err, context.Canceled):
		return &Error{499, "canceled", "request canceled", err}
	case errors.As(err, &mbe):
		return &Error{http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit), err}
	case errors.Is(err, errBadUpload), errors.Is(err, errBadIntel):
		return &Error{http.StatusBadRequest, "bad_request", err.Error(), err}
	case errors.Is(err, errWrongHost):
		return &Error{http.StatusForbidden, "wrong_host", err.Error(), err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{http.StatusNotFound, "not_found", "not found", err}
	case errors.Is(err, store.ErrBaseMismatch):
		return &Error{http.StatusConflict, fleet.CodeBaseMismatch, err.Error(), err}
	case errors.Is(err, store.ErrStale):
		return &Error{http.StatusConflict, "stale", err.Error(), err}
	case errors.Is(err, store.ErrExists):
		return &Error{http.StatusConflict, "exists", "already exists", err}
	case errors.Is(err, store.ErrConflict):
		return &Error{http.StatusConflict, "conflict", "the resource changed meanwhile; retry", err}
	case errors.Is(err, store.ErrInvalidToken):
		return &Error{http.StatusUnauthorized, "invalid_token", "token unknown, expired, revoked or used up", err}
	case errors.Is(err, store.ErrUnavailable):
		return &Error{http.StatusServiceUnavailable, fleet.CodeUnavailable, "database unavailable; retry later", err}
	case errors.Is(err, store.ErrNoFeedKey):
		return &Error{http.StatusServiceUnavailable, "no_feed_key", err.Error(), err}
	case errors.Is(err, store.ErrFull):
		return &Error{http.StatusInsufficientStorage, codeStorageFull, "the server's storage is full; nothing was stored, retry later", err}
	}
	return &Error{http.StatusInternalServerError, "internal", "internal error", err}
}

// requestError is toHTTP for a request: a server-side failure of a
// request whose client has gone is the cancellation's doing (a database
// driver reports a query it abandoned as a bad connection), so it is a
// cancellation, not a server error.
func requestError(r *http.Request, err error) *Error {
	he := toHTTP(err)
	if he.Status >= 500 && r.Context().Err() != nil {
		return &Error{499, "canceled", "request canceled", err}
	}
	return he
}

// writeAPIError answers with the JSON error body and logs the detail.
func (s *Server) writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	he := requestError(r, err)
	s.logError(r, he)
	s.storage.note(err, s.now())
	if he.Status == http.StatusServiceUnavailable || he.Status == http.StatusInsufficientStorage {
		w.Header().Set("Retry-After", "30")
	}
	setRetryAfter(w, err)
	if he.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cascade"`)
	}
	writeJSON(w, he.Status, fleet.ErrorBody{Error: fleet.ErrorDetail{Code: he.Code, Message: he.Msg}})
}

func (s *Server) logError(r *http.Request, he *Error) {
	level := slog.LevelInfo
	if he.Status == 499 {
		level = slog.LevelDebug
	} else if he.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", he.Status,
		"msg", he.Msg, "err", he.Err, "remote", r.RemoteAddr)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// setRetryAfter tells a rate-limited client when to come back.
func setRetryAfter(w http.ResponseWriter, err error) {
	var rl *errRateLimited
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(rl.retryAfter()))
	}
}
