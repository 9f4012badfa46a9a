package mispclient

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

type bodyRT struct {
	body string
	n    int
}

func (b *bodyRT) RoundTrip(r *http.Request) (*http.Response, error) {
	b.n++
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(b.body)), Request: r}, nil
}

// FuzzEvents: whatever an instance answers, a pull ends within its page
// cap, hands over only {"Event": {"uuid": …}} items, and never panics.
func FuzzEvents(f *testing.F) {
	f.Add(`{"response":[{"Event":{"uuid":"u","timestamp":"1"}},{"Event":{"uuid":"v","timestamp":2}}]}`)
	f.Add(`{"response":[]}`)
	f.Add(`{"response":{"Attribute":[]}}`)
	f.Add(`{"response":[{"Event":{"uuid":"u","timestamp":"x"}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		rt := &bodyRT{body: body}
		c, err := New("http://misp.test/", Options{Key: "k", Transport: rt, MaxBody: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		c.Events(bg, SearchOptions{Limit: 2, MaxPages: 4}, func(evs []json.RawMessage) error {
			for _, e := range evs {
				var w struct {
					Event *struct{ UUID string } `json:"Event"`
				}
				if json.Unmarshal(e, &w) != nil || w.Event == nil || w.Event.UUID == "" {
					t.Fatalf("not an event handed over: %s", e)
				}
			}
			return nil
		})
		if rt.n > 4 {
			t.Fatalf("%d requests past the page cap", rt.n)
		}
	})
}
