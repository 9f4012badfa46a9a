package taxiiclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/taxii"
)

// specServer is a small TAXII 2.1 server for the tests: one API root
// (/api1/) with one collection ("c1") whose objects carry date_added,
// served with added_after, limit and next paging as the specification
// describes (§3.4, §5.4), and add requests answered with a status resource
// that is pending at first and complete on the next read (§4.3, §5.5).
type specServer struct {
	t       *testing.T
	mu      sync.Mutex
	objects []stored
	status  map[string]*taxii.Status
	auth    func(*http.Request) bool
	reqs    []string // "METHOD path?query" of every request
}

type stored struct {
	added time.Time
	raw   json.RawMessage
}

func newSpecServer(t *testing.T, n int) (*specServer, *httptest.Server) {
	s := &specServer{t: t, status: map[string]*taxii.Status{}}
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s.objects = append(s.objects, stored{t0.Add(time.Duration(i) * time.Second), indicator(i)})
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func indicator(i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2024-03-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z","pattern":"[file:hashes.'SHA-256' = '%064d']","pattern_type":"stix","valid_from":"2024-03-01T00:00:00Z"}`, i, i))
}

func (s *specServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

func (s *specServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r.Method+" "+r.URL.RequestURI())
	if s.auth != nil && !s.auth(r) {
		taxiiError(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Accept"), "application/taxii+json") {
		taxiiError(w, http.StatusNotAcceptable, "bad Accept")
		return
	}
	switch p := r.URL.Path; {
	case p == "/taxii2/":
		writeTAXII(w, taxii.Discovery{Title: "test", APIRoots: []string{"/api1/"}})
	case p == "/api1/":
		writeTAXII(w, taxii.APIRoot{Title: "root", Versions: []string{taxii.MediaTAXII}, MaxContentLength: 1 << 20})
	case p == "/api1/collections/":
		writeTAXII(w, taxii.Collections{Collections: []taxii.Collection{{ID: "c1", Title: "one", CanRead: true, CanWrite: true}}})
	case p == "/api1/collections/c1/objects/" && r.Method == http.MethodGet:
		s.getObjects(w, r)
	case p == "/api1/collections/c1/objects/" && r.Method == http.MethodPost:
		s.addObjects(w, r)
	case strings.HasPrefix(p, "/api1/status/"):
		id := strings.Trim(strings.TrimPrefix(p, "/api1/status/"), "/")
		st := s.status[id]
		if st == nil {
			taxiiError(w, http.StatusNotFound, "no such status")
			return
		}
		writeTAXII(w, st)
		st.Status, st.SuccessCount, st.PendingCount = taxii.StatusComplete, st.TotalCount, 0
	default:
		taxiiError(w, http.StatusNotFound, "not found")
	}
}

// getObjects pages by position: next is the index of the first object of
// the next page.
func (s *specServer) getObjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var after time.Time
	if a := q.Get("added_after"); a != "" {
		t, err := taxii.ParseTime(a)
		if err != nil {
			taxiiError(w, http.StatusBadRequest, "bad added_after")
			return
		}
		after = t
	}
	var sel []stored
	for _, o := range s.objects {
		if o.added.After(after) {
			sel = append(sel, o)
		}
	}
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
		env.Objects = append(env.Objects, o.raw)
	}
	if len(page) > 0 {
		w.Header().Set(taxii.HeaderDateAddedFirst, taxii.FormatTime(page[0].added))
		w.Header().Set(taxii.HeaderDateAddedLast, taxii.FormatTime(page[len(page)-1].added))
	}
	writeTAXII(w, env)
}

func (s *specServer) addObjects(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/taxii+json") {
		taxiiError(w, http.StatusUnsupportedMediaType, "bad Content-Type")
		return
	}
	var env taxii.Envelope
	if err := json.NewDecoder(r.Body).Decode(&env); err != nil {
		taxiiError(w, http.StatusBadRequest, "bad envelope")
		return
	}
	last := s.objects[len(s.objects)-1].added
	for i, o := range env.Objects {
		s.objects = append(s.objects, stored{last.Add(time.Duration(i+1) * time.Second), o})
	}
	id := fmt.Sprintf("2d086da7-4bdc-4f91-900e-d77486753%03d", len(s.status))
	st := &taxii.Status{ID: id, Status: taxii.StatusPending, TotalCount: len(env.Objects), PendingCount: len(env.Objects)}
	s.status[id] = st
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(st)
}

func writeTAXII(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	json.NewEncoder(w).Encode(v)
}

func taxiiError(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", taxii.MediaTAXII)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(taxii.Error{Title: title, HTTPStatus: strconv.Itoa(status)})
}
