package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/cascade/output"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

// traceBody bounds a trace request: seeds, options, and the declared
// edges and deliveries sent along.
const traceBody = 8 << 20

var traceTypes = map[string]string{"json": "application/json", "stix": "application/json",
	"table": "text/plain; charset=utf-8", "dot": "text/vnd.graphviz; charset=utf-8"}

// trace runs a forward or backwards trace over the fleet's graph and
// answers in ?format= (json by default), as `cascade trace` prints it.
func (s *Server) trace(w http.ResponseWriter, r *http.Request, _ *principal) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	var req fleet.TraceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if !slices.Contains(output.Formats, format) || req.Backwards && format == "stix" {
		return errorf(http.StatusBadRequest, "bad_request", "format %q: want table, json, dot, or (forward only) stix", format)
	}
	buf, found, err := s.runTrace(r, req, format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", traceTypes[format])
	w.Header().Set(fleet.HeaderTraceFound, strconv.FormatBool(found))
	_, err = w.Write(buf.Bytes())
	return err
}

// maxTraces is how many traces run at once; more are refused with 503.
// Each loads the whole fleet's graph, so memory bounds them, not CPU.
const maxTraces = 2

// trace runs one trace, mapping request errors to 400.
func (s *Server) traceOnce(ctx context.Context, req fleet.TraceRequest) (*tracegraph.Outcome, error) {
	select {
	case s.traces <- struct{}{}:
		defer func() { <-s.traces }()
	default:
		return nil, errorf(http.StatusServiceUnavailable, "busy", "%d traces are running; retry shortly", maxTraces)
	}
	res, err := tracegraph.Run(ctx, s.st, req, s.cfg.Now())
	if errors.Is(err, tracegraph.ErrRequest) || errors.Is(err, cascade.ErrBadSeed) {
		return nil, errorf(http.StatusBadRequest, "bad_request", "%s", err.Error())
	}
	return res, err
}

func (s *Server) runTrace(r *http.Request, req fleet.TraceRequest, format string) (*bytes.Buffer, bool, error) {
	res, err := s.traceOnce(r.Context(), req)
	if err != nil {
		return nil, false, err
	}
	var buf bytes.Buffer
	if res.Backward != nil {
		return &buf, len(res.Backward.PatientZero) > 0, output.Backward(&buf, format, res.Backward)
	}
	return &buf, res.Forward.Count() > len(res.Forward.Seeds), output.Forward(&buf, format, res.Forward)
}
