package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// maxTraceName bounds a saved trace's name.
const maxTraceName = 100

// saveTrace computes a trace and keeps it under a name, with its result as
// version 1; a trace that cannot run is refused, not saved.
func (s *Server) saveTrace(w http.ResponseWriter, r *http.Request, p *principal) error {
	var req fleet.SaveTraceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	d, err := s.SaveTrace(r.Context(), req, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "trace.save", fmt.Sprintf("trace %d (%s)", d.ID, d.Name), describeSeeds(d.Request))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// SaveTrace checks and runs a trace and stores it with its first result.
func (s *Server) SaveTrace(ctx context.Context, req fleet.SaveTraceRequest, actor string) (fleet.SavedTraceDetail, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > maxTraceName || strings.ContainsFunc(name, unicode.IsControl) {
		return fleet.SavedTraceDetail{}, errorf(http.StatusBadRequest, "bad_request",
			"name: want 1 to %d characters without control characters", maxTraceName)
	}
	publishTo, err := s.publishTarget(ctx, req)
	if err != nil {
		return fleet.SavedTraceDetail{}, err
	}
	res, err := s.traceOnce(ctx, req.TraceRequest)
	var he *Error
	if err != nil && !(req.Watch && errors.As(err, &he) && he.Status == http.StatusBadRequest) {
		return fleet.SavedTraceDetail{}, err
	}
	t, err2 := s.st.SaveTrace(ctx, fleet.SavedTrace{Name: name, Request: req.TraceRequest, By: actor, Created: s.now().UTC(), PublishTo: publishTo})
	if err2 != nil {
		return fleet.SavedTraceDetail{}, err2
	}
	v := fleet.TraceVersion{TraceID: t.ID, Version: 1, At: s.now().UTC(), Reason: "saved by " + actor}
	if err != nil {
		v.Error = he.Msg // watched: computed when a finding of its incident arrives
	} else {
		v.Result = summarize(req.TraceRequest, res)
	}
	// A retro-trace may have computed version 1 meanwhile: keep it.
	if err := s.st.AddTraceVersion(ctx, v); err != nil && !errors.Is(err, store.ErrConflict) {
		return fleet.SavedTraceDetail{}, err
	} else if err == nil && v.Error == "" {
		s.publishTrace(ctx, t, v.Version, res)
	}
	return s.savedTrace(ctx, t.ID, 1)
}

func (s *Server) savedTrace(ctx context.Context, id int64, versions int) (fleet.SavedTraceDetail, error) {
	t, err := s.st.SavedTrace(ctx, id)
	if err != nil {
		return fleet.SavedTraceDetail{}, err
	}
	vs, err := s.st.TraceVersions(ctx, id, versions)
	return fleet.SavedTraceDetail{SavedTrace: t, Versions: nonNil(vs)}, err
}

func describeSeeds(req fleet.TraceRequest) string {
	var seeds []string
	for _, sd := range req.Seeds {
		if sd.Time != "" {
			seeds = append(seeds, sd.Node+"@"+sd.Time)
		} else {
			seeds = append(seeds, sd.Node)
		}
	}
	dir := "forward"
	if req.Backwards {
		dir = "backwards"
	}
	return dir + " from " + strings.Join(seeds, " ")
}

func (s *Server) listSavedTraces(w http.ResponseWriter, r *http.Request, _ *principal) error {
	ts, err := s.st.SavedTraces(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"traces": nonNil(ts)})
	return nil
}

func (s *Server) getSavedTrace(w http.ResponseWriter, r *http.Request, _ *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	n, err := queryInt(r, "versions", 5)
	if err != nil {
		return err
	}
	d, err := s.savedTrace(r.Context(), id, max(n, 1))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// recomputeTrace runs a saved trace again now; a new version is stored
// only when something changed.
func (s *Server) recomputeTrace(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	t, err := s.st.SavedTrace(r.Context(), id)
	if err != nil {
		return err
	}
	var last *fleet.TraceVersion
	if vs, err := s.st.TraceVersions(r.Context(), id, 1); err != nil {
		return err
	} else if len(vs) > 0 {
		last = &vs[0]
	}
	v, changed, err := s.retro.recompute(r.Context(), t, last, "recompute asked by "+p.actor(), p.actor())
	if errors.Is(err, errTraceBusy) {
		return errorf(http.StatusConflict, "busy", "trace %d is being recomputed; retry shortly", id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fleet.RecomputeResult{Changed: changed, Version: v})
	return nil
}

func (s *Server) deleteSavedTrace(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	t, err := s.st.SavedTrace(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteSavedTrace(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, p, "trace.delete", fmt.Sprintf("trace %d (%s)", id, t.Name), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
