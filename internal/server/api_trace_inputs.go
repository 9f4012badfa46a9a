package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

// maxInputName bounds a trace input's name.
const maxInputName = 200

// addTraceInput keeps a declared-edge file, delivery list, provenance file
// or provenance key that every trace then reads. It is checked against the
// fleet's graph and the inputs already kept first: a conflict is refused
// and explained, never merged.
func (s *Server) addTraceInput(w http.ResponseWriter, r *http.Request, p *principal) error {
	q := r.URL.Query()
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	res, err := s.AddTraceInput(r.Context(), fleet.TraceInput{Kind: q.Get("kind"), Name: q.Get("name"), Content: data}, p.actor())
	if err != nil {
		return err
	}
	s.audit(r, p, "trace.input.add", fmt.Sprintf("trace input %d (%s %s)", res.Input.ID, res.Input.Kind, res.Input.Name),
		fmt.Sprintf("sha256 %s, %d bytes, %d warnings", res.Input.SHA256, res.Input.Size, len(res.Warnings)))
	writeJSON(w, http.StatusCreated, res)
	return nil
}

// AddTraceInput checks and keeps a trace input.
func (s *Server) AddTraceInput(ctx context.Context, in fleet.TraceInput, actor string) (fleet.TraceInputResult, error) {
	in.Name = strings.TrimSpace(in.Name)
	if !tracegraph.ValidInputKind(in.Kind) {
		return fleet.TraceInputResult{}, errorf(http.StatusBadRequest, "bad_request", "kind %q: want one of %s", in.Kind, strings.Join(fleet.TraceInputKinds, ", "))
	}
	if in.Name == "" || len(in.Name) > maxInputName || strings.ContainsFunc(in.Name, unicode.IsControl) {
		return fleet.TraceInputResult{}, errorf(http.StatusBadRequest, "bad_request", "name: want 1 to %d characters without control characters", maxInputName)
	}
	if len(in.Content) == 0 {
		return fleet.TraceInputResult{}, errorf(http.StatusBadRequest, "bad_request", "empty %s file", in.Kind)
	}
	in.By, in.Created = actor, s.now().UTC()
	var warnings []string
	err := s.withTraceSlot(ctx, func() error {
		var err error
		warnings, err = tracegraph.CheckInput(ctx, s.st, in)
		return err
	})
	if errors.Is(err, tracegraph.ErrRequest) || errors.Is(err, cascade.ErrUnknownNodes) {
		return fleet.TraceInputResult{}, errorf(http.StatusBadRequest, "bad_request", "%s", err.Error())
	}
	if err != nil {
		return fleet.TraceInputResult{}, err
	}
	kept, err := s.st.AddTraceInput(ctx, in)
	return fleet.TraceInputResult{Input: kept, Warnings: nonNil(warnings)}, err
}

// withTraceSlot runs f holding one of the trace slots (it loads the
// fleet's graph), or answers busy.
func (s *Server) withTraceSlot(ctx context.Context, f func() error) error {
	select {
	case s.traces <- struct{}{}:
		defer func() { <-s.traces }()
	default:
		return errorf(http.StatusServiceUnavailable, "busy", "%d traces are running; retry shortly", maxTraces)
	}
	return f()
}

func (s *Server) listTraceInputs(w http.ResponseWriter, r *http.Request, _ *principal) error {
	ins, err := s.st.TraceInputs(r.Context(), false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"inputs": nonNil(ins)})
	return nil
}

func (s *Server) deleteTraceInput(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.DeleteTraceInput(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, p, "trace.input.delete", fmt.Sprintf("trace input %d", id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
