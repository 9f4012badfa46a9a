package mispclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/guard"
)

var bg = context.Background()

const key = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233"

// fakeMISP answers /events/restSearch and /sightings/add as MISP does,
// checks the auth key and the headers, and records the request bodies.
// The shapes follow MISP/MISP (AGPL-3.0) at commit bb0909a3:
// app/webroot/doc/openapi.yaml (RestSearchEventsRequest,
// EventsRestSearchResponse, AddSightingsRequest) and
// app/Controller/SightingsController.php add(); no response was copied,
// the answers here are written for the test.
type fakeMISP struct {
	mu        sync.Mutex
	events    []event // in timestamp order
	searches  []map[string]any
	sightings []map[string]any
}

type event struct {
	uuid      string
	ts        int64
	published bool
}

func (m *fakeMISP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Header.Get("Authorization") != key {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"name":"Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.","message":"Authentication failed.","url":"/events/restSearch"}`))
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Accept") != "application/json" || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch r.URL.Path {
	case "/events/restSearch":
		m.searches = append(m.searches, body)
		m.search(w, body)
	case "/sightings/add":
		m.sightings = append(m.sightings, body)
		fmt.Fprintf(w, `{"Sighting":{"id":"%d","attribute_id":"1","event_id":"1","org_id":"1","date_sighting":%q,"uuid":"5e3b7b6e-0000-4000-8000-000000000001","source":%q,"type":"0"}}`,
			len(m.sightings), body["timestamp"], body["source"])
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (m *fakeMISP) search(w http.ResponseWriter, body map[string]any) {
	page, limit := int(body["page"].(float64)), int(body["limit"].(float64))
	var since int64
	if s, ok := body["timestamp"].(string); ok {
		fmt.Sscan(s, &since)
	}
	var sel []event
	for _, e := range m.events {
		if e.ts >= since && (body["published"] != true || e.published) {
			sel = append(sel, e)
		}
	}
	start := min((page-1)*limit, len(sel))
	end := min(start+limit, len(sel))
	out := []string{}
	for _, e := range sel[start:end] {
		out = append(out, fmt.Sprintf(`{"Event":{"uuid":%q,"info":"event %s","timestamp":"%d","published":%v,"Attribute":[{"uuid":"a-%s","type":"sha256","category":"Payload delivery","to_ids":true,"value":"%064x"}]}}`,
			e.uuid, e.uuid, e.ts, e.published, e.uuid, e.ts))
	}
	fmt.Fprintf(w, `{"response":[%s]}`, strings.Join(out, ","))
}

func newFake(t *testing.T, n int) (*fakeMISP, *httptest.Server) {
	m := &fakeMISP{}
	for i := range n {
		m.events = append(m.events, event{fmt.Sprintf("ev-%03d", i), 1700000000 + int64(i), i%5 != 4})
	}
	ts := httptest.NewServer(m)
	t.Cleanup(ts.Close)
	return m, ts
}

func TestPullPagesPublishedSince(t *testing.T) {
	m, ts := newFake(t, 25) // 20 published
	c, err := New(ts.URL, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	res, err := c.Events(bg, SearchOptions{Limit: 8}, func(p []json.RawMessage) error { got = append(got, p...); return nil })
	if err != nil || len(got) != 20 || res.Pages != 3 || res.Latest != 1700000023 {
		t.Fatalf("pull: %d events %+v %v", len(got), res, err)
	}
	if s := m.searches[0]; s["published"] != true || s["returnFormat"] != "json" || s["page"] != 1.0 || s["timestamp"] != nil {
		t.Fatalf("first search body: %v", s)
	}
	// The next pull asks for what changed since the last one.
	got = nil
	if _, err := c.Events(bg, SearchOptions{Since: res.Latest, Limit: 8}, func(p []json.RawMessage) error { got = append(got, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if last := m.searches[len(m.searches)-1]; last["timestamp"] != "1700000023" || len(got) != 1 {
		t.Fatalf("resumed search %v, %d events", last, len(got))
	}
	// Unpublished too when asked.
	got = nil
	c.Events(bg, SearchOptions{Unpublished: true, Limit: 100}, func(p []json.RawMessage) error { got = append(got, p...); return nil })
	if len(got) != 25 {
		t.Fatalf("with unpublished: %d", len(got))
	}
}

func TestWrongKeyRefused(t *testing.T) {
	_, ts := newFake(t, 1)
	c, _ := New(ts.URL, Options{Key: "wrong"})
	_, err := c.Events(bg, SearchOptions{}, func([]json.RawMessage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") || !strings.Contains(err.Error(), "Authentication failed") {
		t.Fatalf("wrong key: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the key is in the error")
	}
}

func TestAddSighting(t *testing.T) {
	m, ts := newFake(t, 0)
	c, _ := New(ts.URL, Options{Key: key})
	at := time.Unix(1700000500, 0)
	if err := c.AddSighting(bg, Sighting{UUID: "a-ev-001", Source: "cascade: example org", At: at}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddSighting(bg, Sighting{Value: "evil.example", At: at}); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"source":"cascade: example org","timestamp":"1700000500","type":"0","uuid":"a-ev-001"}`,
		`{"timestamp":"1700000500","type":"0","values":["evil.example"]}`}
	for i, s := range m.sightings {
		b, _ := json.Marshal(s)
		if string(b) != want[i] {
			t.Errorf("sighting %d: %s, want %s", i, b, want[i])
		}
	}
}

func TestHostileMISP(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	full := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(`{"Event":{"uuid":"u%d","timestamp":"1"}}`, i)
		}
		return `{"response":[` + strings.Join(items, ",") + `]}`
	}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		opt     Options
		want    error
		msg     string
		maxReqs int32
	}{
		{"malformed", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"response": 7}`)) }, Options{}, nil, "malformed", 1},
		{"not an event", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"response": [{"Attribute": {}}]}`)) }, Options{}, nil, "not an event", 1},
		{"always a full page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(full(2))) }, Options{}, ErrPageCap, "", 5},
		{"more than the limit", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(full(3))) }, Options{}, nil, "more than the limit", 1},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"response":[`))
			for range 1 << 14 {
				if _, err := w.Write(make([]byte, 1<<16)); err != nil {
					return
				}
			}
		}, Options{MaxBody: 1 << 20}, guard.ErrTooLarge, "", 1},
		{"redirect away", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/events/restSearch", http.StatusTemporaryRedirect)
		}, Options{}, guard.ErrOtherHost, "", 1},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, Options{Timeout: 200 * time.Millisecond}, nil, "Client.Timeout", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); tc.h(w, r) }))
			defer ts.Close()
			tc.opt.Key = key
			c, _ := New(ts.URL, tc.opt)
			_, err := c.Events(bg, SearchOptions{Limit: 2, MaxPages: 5}, func([]json.RawMessage) error { return nil })
			switch {
			case err == nil:
				t.Fatal("no error")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("%v, want %v", err, tc.want)
			case tc.msg != "" && !strings.Contains(err.Error(), tc.msg):
				t.Fatalf("%v, want %q", err, tc.msg)
			}
			if n.Load() > tc.maxReqs {
				t.Fatalf("%d requests", n.Load())
			}
		})
	}
	if elsewhere.Load() != 0 {
		t.Fatal("another address was contacted")
	}
}

// TestPullResumesAtPage: a pull cut at the page cap says which page comes
// next, and a pull started there with the same Since reads the rest, so
// two capped pulls together read every event once.
func TestPullResumesAtPage(t *testing.T) {
	m, ts := newFake(t, 25) // 20 published: pages of 3 are 3,3,3,3,3,3,2
	c, err := New(ts.URL, Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	collect := func(p []json.RawMessage) error {
		for _, raw := range p {
			var ev struct{ Event struct{ UUID string } }
			json.Unmarshal(raw, &ev)
			seen[ev.Event.UUID]++
		}
		return nil
	}
	tests := []struct {
		page, wantNext, wantPages int
		wantErr                   error
	}{
		{1, 5, 4, ErrPageCap},
		{5, 0, 3, nil},
	}
	for _, tc := range tests {
		res, err := c.Events(bg, SearchOptions{Limit: 3, MaxPages: 4, Page: tc.page, Since: 1700000000}, collect)
		if !errors.Is(err, tc.wantErr) || res.NextPage != tc.wantNext || res.Pages != tc.wantPages {
			t.Fatalf("from page %d: %+v %v", tc.page, res, err)
		}
	}
	if len(seen) != 20 {
		t.Fatalf("read %d distinct events, want 20", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s read %d times", id, n)
		}
	}
	if last := m.searches[len(m.searches)-1]; last["page"] != 7.0 || last["timestamp"] != "1700000000" {
		t.Fatalf("last search: %v", last)
	}
	// A failing page leaves NextPage at it.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer bad.Close()
	cb, _ := New(bad.URL, Options{Key: key})
	if res, err := cb.Events(bg, SearchOptions{Page: 9}, collect); err == nil || res.NextPage != 9 {
		t.Fatalf("failing page: %+v %v", res, err)
	}
}
