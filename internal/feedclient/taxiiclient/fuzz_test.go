package taxiiclient

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// pagesRT answers every request with the same body and header, in memory.
type pagesRT struct {
	body, last string
	n          int
}

func (p *pagesRT) RoundTrip(r *http.Request) (*http.Response, error) {
	p.n++
	h := http.Header{"Content-Type": {"application/taxii+json;version=2.1"}}
	if p.last != "" {
		h.Set("X-TAXII-Date-Added-Last", p.last)
	}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(p.body)), Request: r}, nil
}

// FuzzPull: whatever a server answers, a pull ends within its page cap,
// hands over only objects with a type and an id, and never panics.
func FuzzPull(f *testing.F) {
	f.Add(`{"more":true,"next":"a","objects":[{"type":"indicator","id":"indicator--1"}]}`, "2024-01-01T00:00:00Z")
	f.Add(`{"more":true,"objects":[]}`, "")
	f.Add(`{"objects":[1,"x",{"type":"x"},{"id":"y"}]}`, "not a time")
	f.Add(`[]`, "")
	f.Fuzz(func(t *testing.T, body, last string) {
		rt := &pagesRT{body: body, last: last}
		c, err := New("http://feed.test/", Options{Transport: rt, MaxBody: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Pull(bg, "http://feed.test/api1/", "c1", PullOptions{MaxPages: 8}, func(objs []json.RawMessage) error {
			for _, o := range objs {
				var h struct{ Type, ID string }
				if json.Unmarshal(o, &h) != nil || h.Type == "" || h.ID == "" {
					t.Fatalf("malformed object handed over: %s", o)
				}
			}
			return nil
		})
		_ = err
		if rt.n > 8 {
			t.Fatalf("%d requests past the page cap", rt.n)
		}
	})
}
