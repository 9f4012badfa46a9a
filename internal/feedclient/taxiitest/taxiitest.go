// Package taxiitest is a small TAXII 2.1 server for tests of TAXII
// clients: one API root (/api1/) with one collection ("c1"), objects with
// date_added served with added_after, limit and next paging as the
// specification describes (§3.4, §5.4), and add requests answered with a
// status resource that is pending at first and complete at the next read
// (§4.3, §5.5).
package taxiitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// Server is the test server. Lock Mu to change its fields while it runs.
type Server struct {
	Mu      sync.Mutex
	Objects []Stored
	status  map[string]*taxii.Status
	// MaxLimit is the largest page it serves (default 100).
	MaxLimit int
	// Posted holds what was added to collections other than c1.
	Posted map[string][]json.RawMessage
	// Auth, when set, decides which requests are authorized.
	Auth func(*http.Request) bool
	reqs []string // "METHOD path?query" of every request
}

// Stored is one object with its date_added.
type Stored struct {
	Added time.Time
	Raw   json.RawMessage
}

// T0 is the date_added of the first object New makes.
var T0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// New starts a server holding n indicators added a second apart from T0;
// it stops when the test ends.
func New(t testing.TB, n int) (*Server, *httptest.Server) {
	s := &Server{status: map[string]*taxii.Status{}}
	for i := range n {
		s.Objects = append(s.Objects, Stored{T0.Add(time.Duration(i) * time.Second), Indicator(i)})
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// Indicator is a STIX 2.1 indicator of a SHA-256 made of i's digits.
func Indicator(i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2024-03-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z","pattern":"[file:hashes.'SHA-256' = '%064d']","pattern_type":"stix","valid_from":"2024-03-01T00:00:00Z"}`, i, i))
}

// Requests lists "METHOD path?query" of every request so far.
func (s *Server) Requests() []string {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return append([]string(nil), s.reqs...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.reqs = append(s.reqs, r.Method+" "+r.URL.RequestURI())
	if s.Auth != nil && !s.Auth(r) {
		Error(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Accept"), "application/taxii+json") {
		Error(w, http.StatusNotAcceptable, "bad Accept")
		return
	}
	switch p := r.URL.Path; {
	case p == "/taxii2/":
		Write(w, taxii.Discovery{Title: "test", APIRoots: []string{"/api1/"}})
	case p == "/api1/":
		Write(w, taxii.APIRoot{Title: "root", Versions: []string{taxii.MediaTAXII}, MaxContentLength: 1 << 20})
	case p == "/api1/collections/":
		Write(w, taxii.Collections{Collections: []taxii.Collection{{ID: "c1", Title: "one", CanRead: true, CanWrite: true}}})
	case p == "/api1/collections/c1/objects/" && r.Method == http.MethodGet:
		s.getObjects(w, r)
	case p == "/api1/collections/c1/objects/" && r.Method == http.MethodPost:
		s.addObjects(w, r, "c1")
	case strings.HasPrefix(p, "/api1/collections/") && strings.HasSuffix(p, "/objects/") && r.Method == http.MethodPost:
		s.addObjects(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/api1/collections/"), "/objects/"))
	case strings.HasPrefix(p, "/api1/status/"):
		id := strings.Trim(strings.TrimPrefix(p, "/api1/status/"), "/")
		st := s.status[id]
		if st == nil {
			Error(w, http.StatusNotFound, "no such status")
			return
		}
		Write(w, st)
		st.Status, st.SuccessCount, st.PendingCount = taxii.StatusComplete, st.TotalCount, 0
	default:
		Error(w, http.StatusNotFound, "not found")
	}
}

// getObjects pages by position: next is the index of the first object of
// the next page.
func (s *Server) getObjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if maxLimit := max(s.MaxLimit, 100); limit <= 0 || limit > maxLimit {
		limit = maxLimit
	}
	var after time.Time
	if a := q.Get("added_after"); a != "" {
		t, err := taxii.ParseTime(a)
		if err != nil {
			Error(w, http.StatusBadRequest, "bad added_after")
			return
		}
		after = t
	}
	// Objects are in date_added order.
	first := sort.Search(len(s.Objects), func(i int) bool { return s.Objects[i].Added.After(after) })
	sel := s.Objects[first:]
	start := 0
	if n := q.Get("next"); n != "" {
		start, _ = strconv.Atoi(n)
	}
	start = min(start, len(sel))
	end := min(start+limit, len(sel))
	page := sel[start:end]
	env := taxii.Envelope{More: end < len(sel)}
	if env.More {
		env.Next = strconv.Itoa(end)
	}
	for _, o := range page {
		env.Objects = append(env.Objects, o.Raw)
	}
	if len(page) > 0 {
		w.Header().Set(taxii.HeaderDateAddedFirst, taxii.FormatTime(page[0].Added))
		w.Header().Set(taxii.HeaderDateAddedLast, taxii.FormatTime(page[len(page)-1].Added))
	}
	Write(w, env)
}

// addObjects stores what is posted to c1 as its objects, and what is
// posted to another collection in Posted.
func (s *Server) addObjects(w http.ResponseWriter, r *http.Request, col string) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/taxii+json") {
		Error(w, http.StatusUnsupportedMediaType, "bad Content-Type")
		return
	}
	var env taxii.Envelope
	if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
		Error(w, http.StatusBadRequest, "bad envelope")
		return
	}
	if col != "c1" {
		if s.Posted == nil {
			s.Posted = map[string][]json.RawMessage{}
		}
		s.Posted[col] = append(s.Posted[col], env.Objects...)
	} else {
		last := T0
		if len(s.Objects) > 0 {
			last = s.Objects[len(s.Objects)-1].Added
		}
		for i, o := range env.Objects {
			s.Objects = append(s.Objects, Stored{last.Add(time.Duration(i+1) * time.Second), o})
		}
	}
	id := fmt.Sprintf("2d086da7-4bdc-4f91-900e-d77486753%03d", len(s.status))
	st := &taxii.Status{ID: id, Status: taxii.StatusPending, TotalCount: len(env.Objects), PendingCount: len(env.Objects)}
	s.status[id] = st
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(st)
}

// Write answers v as a TAXII resource.
func Write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	json.NewEncoder(w).Encode(v)
}

// Error answers a TAXII error resource.
func Error(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(taxii.Error{Title: title, HTTPStatus: strconv.Itoa(status)})
}
