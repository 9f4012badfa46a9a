package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// searchPage is GET /search: one box, the hits as a table with links to
// the hosts, a next-page link, and (for admins) a form that saves the
// search as intel.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, p *principal) error {
	v := r.URL.Query()
	data := map[string]any{"Title": "Search", "Q": v.Get("q"), "Kind": v.Get("kind"), "From": v.Get("from"), "To": v.Get("to"),
		"Kinds": store.SearchKinds}
	if strings.TrimSpace(v.Get("q")) == "" {
		return s.render(w, http.StatusOK, "search", p, data)
	}
	q, err := searchQuery(r)
	if err == nil {
		var res fleet.SearchResult
		if res, err = s.runSearch(r, q); err == nil {
			data["Result"] = res
			hosts := map[int64]bool{}
			for _, h := range res.Hits {
				hosts[h.HostID] = true
			}
			data["Hosts"] = len(hosts)
			data["Used"] = res.Kind
			if res.Next != "" {
				next := url.Values{}
				for k, vs := range v {
					next[k] = vs
				}
				next.Set("cursor", res.Next)
				data["Next"] = "/search?" + next.Encode()
			}
		}
	}
	if err != nil {
		var he *Error
		if !errors.As(err, &he) || he.Status != http.StatusBadRequest {
			return err
		}
		// A refused query is shown beside the box, with why.
		data["Refused"] = he.Msg
		return s.render(w, http.StatusBadRequest, "search", p, data)
	}
	return s.render(w, http.StatusOK, "search", p, data)
}

// saveSearchForm is POST /search/intel: the search becomes the intel
// document search:<name>, imported (and audited) as any intel import is,
// which queues a retro-hunt. Importing intel is for admins.
func (s *Server) saveSearchForm(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := allow(p, rolesAdmin); err != nil {
		return err
	}
	q := strings.TrimSpace(r.PostFormValue("q"))
	kind := r.PostFormValue("kind")
	if kind == "" {
		kind = store.InferSearchKind(q)
	}
	name := r.PostFormValue("name")
	data, err := searchIntel(name, kind, q, p.actor())
	if err != nil {
		if errors.Is(err, store.ErrInvalidSearch) {
			return errorf(http.StatusBadRequest, "bad_request", "%s", strings.TrimPrefix(err.Error(), store.ErrInvalidSearch.Error()+": "))
		}
		return err
	}
	doc := SearchIntelName(name)
	res, err := s.ImportIntel(r.Context(), doc, "search", data, p.actor())
	if err != nil {
		return err
	}
	if res.Changed {
		s.audit(r, p, "intel.import", doc, fmt.Sprintf("saved search %s %q: sha256 %s, version %d, hunt %d", kind, q, res.Doc.SHA256, res.Version, res.HuntID))
	}
	http.Redirect(w, r, "/intel", http.StatusSeeOther)
	return nil
}
