package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// apiFunc handles an authenticated API request.
type apiFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// route is one API endpoint: who may call it and how large its body may be.
type route struct {
	method, path string
	roles        []string // nil: no authentication
	limit        int64
	h            apiFunc
}

const smallBody = 1 << 20

// enrollBody caps an enrollment: a host's few fields. Enrollment tokens
// are shared by many machines, so this body is nearly unauthenticated.
const enrollBody = 16 << 10

// routes is the API, in the order docs/api.md lists it.
func (s *Server) routes() []route {
	v := fleet.APIVersion
	return append([]route{
		{"GET", "/healthz", nil, 0, s.health},
		{"GET", v + "/openapi.json", nil, 0, s.openapi},
		{"POST", v + "/enroll", rolesEnroll, enrollBody, s.enroll},
		{"POST", v + "/snapshots", rolesAgent, s.cfg.MaxUpload, s.uploadSnapshot},
		{"POST", v + "/imports", rolesAdmin, s.cfg.MaxUpload, s.importSnapshot},
		{"GET", v + "/hosts", rolesRead, 0, s.listHosts},
		{"GET", v + "/hosts/{id}", rolesRead, 0, s.getHost},
		{"PUT", v + "/hosts/{id}/roles", rolesAdmin, smallBody, s.setRoles},
		{"POST", v + "/hosts/{id}/enroll-token", rolesAdmin, 0, s.hostEnrollToken},
		{"GET", v + "/hosts/{id}/observations", rolesRead, 0, s.listObservations},
		{"GET", v + "/hosts/{id}/snapshots", rolesRead, 0, s.listSnapshots},
		{"GET", v + "/hosts/{id}/timeline", rolesRead, 0, s.timeline},
		{"GET", v + "/findings", rolesRead, 0, s.listFindings},
		{"GET", v + "/findings/{id}", rolesRead, 0, s.getFinding},
		{"POST", v + "/findings/{id}/state", rolesRead, smallBody, s.setState},
		{"GET", v + "/incidents", rolesRead, 0, s.listIncidents},
		{"GET", v + "/incidents/{id}", rolesRead, 0, s.getIncident},
		{"GET", v + "/intel", rolesRead, 0, s.getIntel},
		{"POST", v + "/intel", rolesAdmin, s.cfg.MaxIntel, s.postIntel},
		{"DELETE", v + "/intel/{name...}", rolesAdmin, 0, s.deleteIntel},
		{"POST", v + "/revocations", rolesAdmin, smallBody, s.revoke},
		{"DELETE", v + "/revocations/{indicator...}", rolesAdmin, 0, s.unrevoke},
		{"GET", v + "/hunts", rolesRead, 0, s.listHunts},
		{"GET", v + "/hunts/{id}", rolesRead, 0, s.getHunt},
		{"GET", v + "/tokens", rolesAdmin, 0, s.listTokens},
		{"POST", v + "/tokens", rolesAdmin, smallBody, s.createToken},
		{"DELETE", v + "/tokens/{id}", rolesAdmin, 0, s.revokeToken},
		{"GET", v + "/feeds", rolesAdmin, 0, s.listFeeds},
		{"POST", v + "/feeds", rolesAdmin, smallBody, s.addFeed},
		{"DELETE", v + "/feeds/{id}", rolesAdmin, 0, s.deleteFeed},
		{"GET", v + "/audit", rolesAdmin, 0, s.auditLog},
		{"GET", v + "/releases", rolesRead, 0, s.listReleases},
		{"POST", v + "/releases", rolesAdmin, smallBody, s.addRelease},
		{"POST", v + "/trace", rolesRead, traceBody, s.trace},
		{"GET", v + "/trace/inputs", rolesRead, 0, s.listTraceInputs},
		{"POST", v + "/trace/inputs", rolesAdmin, traceBody, s.addTraceInput},
		{"DELETE", v + "/trace/inputs/{id}", rolesAdmin, 0, s.deleteTraceInput},
		{"GET", v + "/traces", rolesRead, 0, s.listSavedTraces},
		{"POST", v + "/traces", rolesRead, traceBody, s.saveTrace},
		{"GET", v + "/traces/{id}", rolesRead, 0, s.getSavedTrace},
		{"DELETE", v + "/traces/{id}", rolesRead, 0, s.deleteSavedTrace},
		{"POST", v + "/traces/{id}/recompute", rolesRead, 0, s.recomputeTrace},
		{"GET", v + "/search", rolesRead, 0, s.search},
		{"GET", v + "/alerts/sinks", rolesAdmin, 0, s.listAlertSinks},
		{"POST", v + "/alerts/sinks", rolesAdmin, smallBody, s.addAlertSink},
		{"DELETE", v + "/alerts/sinks/{id}", rolesAdmin, 0, s.deleteAlertSink},
		{"GET", v + "/alerts/deliveries", rolesAdmin, 0, s.listDeliveries},
		{"POST", v + "/alerts/deliveries/{id}/retry", rolesAdmin, 0, s.retryDelivery},
		{"DELETE", v + "/users/sessions", rolesAdmin, 0, s.endUserSessions},
	}, append(append(s.taxiiRoutes(), s.triageRoutes()...), s.yaraHuntRoutes()...)...)
}

// apiMux serves the JSON API.
func (s *Server) apiMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.apiHandler(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeAPIError(w, r, errorf(http.StatusNotFound, "not_found", "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) apiHandler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		tb, _ := r.Body.(*timedBody)
		r.Body = http.MaxBytesReader(w, r.Body, max(rt.limit, 1))
		var p *principal
		err := checkQuery(r)
		if err == nil && rt.roles != nil {
			if p, err = s.authBearer(r); err == nil {
				err = allow(p, rt.roles)
			}
		}
		if err == nil && rt.roles != nil && rt.limit > smallBody && tb != nil {
			tb.pace() // an authenticated large body: paced, not cut at bodyTimeout
		}
		if err == nil && r.Method == http.MethodGet && rt.roles != nil {
			var release func()
			w, release, err = s.reads.hold(w, r)
			defer release()
		}
		if err == nil {
			err = rt.h(w, r, p)
		}
		if err != nil {
			s.writeAPIError(w, r, err)
		}
	})
}

// decodeJSON reads a small request body strictly: unknown fields are errors.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "bad_request", "request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(http.StatusBadRequest, "bad_request", "request body: trailing data after the JSON value")
	}
	return nil
}

func pathInt(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, errorf(http.StatusBadRequest, "bad_request", "%s must be a positive number", name)
	}
	return v, nil
}

// maxQueryValue bounds each query parameter: searches are substrings of
// names, paths and ids, and a longer value only makes work (SQLite
// refuses LIKE patterns past 50,000 bytes).
const maxQueryValue = 1024

// checkQuery refuses a request whose query parameters are too long,
// naming the parameter.
func checkQuery(r *http.Request) error {
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if len(v) > maxQueryValue || len(k) > maxQueryValue {
				return errorf(http.StatusBadRequest, "bad_request", "query parameter %.64q is longer than %d bytes", k, maxQueryValue)
			}
		}
	}
	return nil
}

func queryInt(r *http.Request, name string, def int) (int, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 0 {
		return 0, errorf(http.StatusBadRequest, "bad_request", "query %s must be a non-negative number", name)
	}
	return v, nil
}

func queryBool(r *http.Request, name string) bool {
	switch r.URL.Query().Get(name) {
	case "1", "true", "yes":
		return true
	}
	return false
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapiDoc)
	return err
}
