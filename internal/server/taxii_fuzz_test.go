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

// FuzzTAXIIEnvelope: a POSTed envelope read in one pass gives the same
// objects, the same checks and the same errors as encoding/json and
// taxii.ParseObject (the reference); a body the reference refuses is
// refused with a 400.
func FuzzTAXIIEnvelope(f *testing.F) {
	for _, tc := range envelopeCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := envelopeObjects(body)
		want, werr := referenceObjects(body)
		if (err != nil) != (werr != nil) {
			t.Fatalf("error %v, reference %v", err, werr)
		}
		if err != nil {
			if he := toHTTP(err); he.Status != http.StatusBadRequest {
				t.Fatalf("status %d", he.Status)
			}
			return
		}
		if err := sameObjects(got, want); err != nil {
			t.Fatal(err)
		}
	})
}
