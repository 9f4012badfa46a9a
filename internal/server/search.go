package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// searchQuery reads a fleet search from the query string: q, kind (or
// the kind inferred from q), from and to (RFC 3339 or a date), limit and
// cursor.
func searchQuery(r *http.Request) (store.SearchQuery, error) {
	v := r.URL.Query()
	q := store.SearchQuery{Q: strings.TrimSpace(v.Get("q")), Kind: v.Get("kind"), Cursor: v.Get("cursor")}
	if q.Q == "" {
		return q, errorf(http.StatusBadRequest, "bad_request", "q is required: a digest, file name or path pattern, product[@range], domain, URL or IP")
	}
	if q.Kind == "" {
		q.Kind = store.InferSearchKind(q.Q)
	}
	var err error
	if q.From, err = searchTime(v.Get("from"), "from"); err != nil {
		return q, err
	}
	if q.To, err = searchTime(v.Get("to"), "to"); err != nil {
		return q, err
	}
	if q.Limit, err = queryInt(r, "limit", 100); err != nil {
		return q, err
	}
	if q.Limit > 1000 {
		return q, errorf(http.StatusBadRequest, "bad_request", "limit is at most 1000; follow next for more")
	}
	return q, nil
}

// searchTime parses a bound of the time range: RFC 3339, or a date
// (2006-01-02, midnight UTC); empty is open.
func searchTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errorf(http.StatusBadRequest, "bad_request", "%s %.40q is not an RFC 3339 time or a date (2006-01-02)", name, s)
}

// runSearch runs q and converts the page for the wire; a refused query is
// a 400 that says why.
func (s *Server) runSearch(r *http.Request, q store.SearchQuery) (fleet.SearchResult, error) {
	page, err := s.st.Search(r.Context(), q)
	if errors.Is(err, store.ErrInvalidSearch) {
		return fleet.SearchResult{}, errorf(http.StatusBadRequest, "bad_request", "%s", strings.TrimPrefix(err.Error(), store.ErrInvalidSearch.Error()+": "))
	}
	if err != nil {
		return fleet.SearchResult{}, err
	}
	res := fleet.SearchResult{Kind: q.Kind, Hits: make([]fleet.SearchHit, 0, len(page.Hits)), Read: page.Read, Next: page.Next}
	for _, h := range page.Hits {
		res.Hits = append(res.Hits, fleet.SearchHit{Observation: h.Observation, HostUID: h.HostUID, HostName: h.HostName,
			Matched: h.Matched, Evidence: fleet.EvidenceOf(h.Observation)})
	}
	return res, nil
}

// search is GET /api/v1/search: every host that has or ever had something.
func (s *Server) search(w http.ResponseWriter, r *http.Request, _ *principal) error {
	q, err := searchQuery(r)
	if err != nil {
		return err
	}
	res, err := s.runSearch(r, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
