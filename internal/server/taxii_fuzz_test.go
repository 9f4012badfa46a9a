package server

import (
	"net/http"
	"net/url"
	"testing"
)

// FuzzTAXIIQuery: any query string (added_after, limit, next, match[…])
// is refused with a 400 or read into a query within the page cap; a cursor
// is only accepted for the collection that made it.
func FuzzTAXIIQuery(f *testing.F) {
	f.Add("added_after=2023-01-01T00:00:00Z&limit=10&match[version]=first,last,2023-01-01T00:00:00.000Z")
	f.Add("next=" + url.QueryEscape(encodeCursor("c", 1700000000000000)) + "&match[id]=a,b&match[type]=indicator")
	f.Add("next=%00&limit=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		q, err := taxiiQuery(r, "c")
		if err != nil {
			if he := toHTTP(err); he.Status != http.StatusBadRequest {
				t.Fatalf("status %d for %q", he.Status, raw)
			}
			return
		}
		if q.Limit <= 0 || q.Limit > taxiiMaxPage || q.Collection != "c" {
			t.Fatalf("query %+v from %q", q, raw)
		}
		if n := r.URL.Query().Get("next"); n != "" {
			if _, err := decodeCursor("other", n); err == nil {
				t.Fatalf("cursor %q accepted for another collection", n)
			}
		}
	})
}
