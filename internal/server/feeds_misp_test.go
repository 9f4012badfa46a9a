package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// mispInstance answers events/restSearch with one published event whose
// to_ids attribute is the X_TRADER download URL, and records sightings.
type mispInstance struct {
	mu        sync.Mutex
	searches  []map[string]any
	sightings []map[string]any
}

const mispKeyForTest = "3d7a8c1f0b2e4d6a9c8b7a6f5e4d3c2b1a0f9e8d"

func (m *mispInstance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Header.Get("Authorization") != mispKeyForTest || r.Header.Get("Accept") != "application/json" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	switch r.URL.Path {
	case "/events/restSearch":
		m.searches = append(m.searches, body)
		if body["page"] != 1.0 || body["published"] != true {
			w.Write([]byte(`{"response":[]}`))
			return
		}
		fmt.Fprintf(w, `{"response":[{"Event":{"uuid":"5f0c1a57-3c59-4cf5-9b1f-000000000001","info":"X_TRADER supply chain","timestamp":"1680000000",
			"published":true,"threat_level_id":"1","Orgc":{"name":"Vendor CERT"},"Attribute":[{"uuid":"5f0c1a57-aaaa-4000-8000-000000000001",
			"type":"url","category":"Network activity","to_ids":true,"value":%q}]}}]}`, download.URL)
	case "/sightings/add":
		m.sightings = append(m.sightings, body)
		w.Write([]byte(`{"Sighting":{"id":"1"}}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestMISPFeedPullsAndSights(t *testing.T) {
	m := &mispInstance{}
	ts := httptest.NewServer(m)
	defer ts.Close()
	now := day(400)
	s := feedServer(t, "", &now)
	s.cfg.Organization = "Customer Corp"
	a, _ := s.st.EnsureHost(bg, snapshot.Host{ID: "a", Name: "pc-a"}, nil, day(0))
	upload(t, s, a, hostSnap("a", day(0), []snapshot.Software{office}, []snapshot.Artifact{download}))
	if _, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedMISP, URL: ts.URL}); err == nil {
		t.Fatal("a misp feed without a key was accepted")
	}
	feed, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedMISP, URL: ts.URL, Secret: fleet.FeedSecret{Key: mispKeyForTest},
		Policy: fleet.FeedPolicy{MISPSightings: true}})
	if err != nil {
		t.Fatal(err)
	}
	s.feeds.pollOnce(bg)
	runHunts(t, s)
	fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{})
	if len(fs) != 1 || fs[0].HostID != a.ID {
		t.Fatalf("findings: %+v (feed %+v)", fs, feedByID(t, s, feed.ID))
	}
	if f := feedByID(t, s, feed.ID); f.Cursor != "1680000000" || f.LastError != "" {
		t.Fatalf("feed: %+v", f)
	}
	now = now.Add(2 * time.Hour)
	s.feeds.pollOnce(bg)
	if last := m.searches[len(m.searches)-1]; last["timestamp"] != "1680000000" {
		t.Fatalf("second search did not resume: %v", last)
	}
	if len(m.sightings) != 1 || m.sightings[0]["uuid"] != "5f0c1a57-aaaa-4000-8000-000000000001" || m.sightings[0]["source"] != "Customer Corp" ||
		m.sightings[0]["type"] != "0" {
		t.Fatalf("sightings: %v", m.sightings)
	}
	now = now.Add(2 * time.Hour)
	s.feeds.pollOnce(bg)
	if len(m.sightings) != 1 {
		t.Fatalf("sighting sent again: %v", m.sightings)
	}
}

// TestFeedCredentialsNeverShown: the API, the audit trail and the logs
// say which credential a feed has, never the credential.
func TestFeedCredentialsNeverShown(t *testing.T) {
	var logs strings.Builder
	x := newHTTP(t, nil, func(c *Config) { c.Log = slogTo(&logs) })
	body := `{"kind":"taxii","url":"http://127.0.0.1:9/api1/","collection":"c1","credential":{"user":"u","password":"hunter2-secret"}}`
	code, out := rawRequest(t, "POST", x.ts.URL+"/api/v1/feeds", x.admin, []byte(body), map[string]string{"Content-Type": "application/json"})
	if code != http.StatusCreated || !strings.Contains(out, `"auth":"basic"`) {
		t.Fatalf("add: %d %s", code, out)
	}
	_, list := rawRequest(t, "GET", x.ts.URL+"/api/v1/feeds", x.admin, nil, nil)
	_, audit := rawRequest(t, "GET", x.ts.URL+"/api/v1/audit", x.admin, nil, nil)
	x.s.feeds.pollOnce(bg) // fails: nothing listens on port 9
	for what, text := range map[string]string{"answer": out, "list": list, "audit": audit, "logs": logs.String()} {
		if strings.Contains(text, "hunter2-secret") {
			t.Errorf("the password is in the %s: %s", what, text)
		}
	}
	if !strings.Contains(audit, "auth=basic") || !strings.Contains(logs.String(), "intel feed") {
		t.Fatalf("audit %s / logs %s", audit, logs.String())
	}
	code, out = rawRequest(t, "POST", x.ts.URL+"/api/v1/feeds", x.admin, []byte(`{"url":"https://u:p@example.com/x.json"}`), map[string]string{"Content-Type": "application/json"})
	if code != http.StatusBadRequest || strings.Contains(out, "u:p@") {
		t.Fatalf("credentials in a URL: %d %s", code, out)
	}
}

// syncWriter lets the server's goroutines log into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func slogTo(b *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(&syncWriter{w: b}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// bigMISP pages events in id order (as MISP's restSearch does) while
// their timestamps run the other way, newest first: a pull that moved
// its time filter to the newest timestamp seen before the walk was done
// would never read the older events on the later pages.
type bigMISP struct {
	mu       sync.Mutex
	ts       []int64 // event i's timestamp
	searches []map[string]any
}

func (m *bigMISP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Header.Get("Authorization") != mispKeyForTest || r.URL.Path != "/events/restSearch" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	m.searches = append(m.searches, body)
	var since int64
	if s, ok := body["timestamp"].(string); ok {
		fmt.Sscan(s, &since)
	}
	page, limit := int(body["page"].(float64)), int(body["limit"].(float64))
	var sel []int
	for i, ts := range m.ts {
		if ts >= since {
			sel = append(sel, i)
		}
	}
	start := min((page-1)*limit, len(sel))
	out := []string{}
	for _, i := range sel[start:min(start+limit, len(sel))] {
		out = append(out, fmt.Sprintf(`{"Event":{"uuid":"5f0c1a57-0000-4000-8000-%012d","info":"event %d","timestamp":"%d","published":true,"Attribute":[]}}`, i, i, m.ts[i]))
	}
	fmt.Fprintf(w, `{"response":[%s]}`, strings.Join(out, ","))
}

func (m *bigMISP) lastSearch() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.searches[len(m.searches)-1]
}

// mispDocEvents counts the distinct events in a MISP feed's document.
func mispDocEvents(t *testing.T, s *Server, feed *fleet.Feed) map[string]bool {
	t.Helper()
	data, err := s.storedDoc(bg, feedDocName(feed))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Response []struct{ Event struct{ UUID string } }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("feed document: %v", err)
	}
	out := map[string]bool{}
	for _, e := range doc.Response {
		out[e.Event.UUID] = true
	}
	return out
}

// TestMISPFeedPagesPastTheCap: an instance with more than 200 pages is
// read over several polls, each bounded, the walk's page saved in the
// cursor so a restarted server continues it, and no event is lost.
func TestMISPFeedPagesPastTheCap(t *testing.T) {
	const n = 450 // 225 pages of 2
	m := &bigMISP{}
	for i := range n {
		m.ts = append(m.ts, 1700000000+int64(n-i))
	}
	ts := httptest.NewServer(m)
	defer ts.Close()
	now := day(400)
	s := feedServer(t, "", &now)
	s.feeds.mispPageSize = 2
	feed, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedMISP, URL: ts.URL, Secret: fleet.FeedSecret{Key: mispKeyForTest}})
	if err != nil {
		t.Fatal(err)
	}
	s.feeds.pollOnce(bg)
	f := feedByID(t, s, feed.ID)
	if want := fmt.Sprintf("0,201,%d", 1700000000+n); f.Cursor != want || f.LastError != "" || !f.NextAt.Equal(now.Add(feedResumeDelay)) {
		t.Fatalf("after the first poll: cursor %q (want %q), next %v, error %q", f.Cursor, want, f.NextAt, f.LastError)
	}
	if got := len(mispDocEvents(t, s, &feed)); got != 400 {
		t.Fatalf("first poll imported %d events, want 400", got)
	}
	// A restarted server (same store) continues the walk, one page early.
	s2, err := New(Config{Store: s.st, Now: func() time.Time { return now }, FeedHTTP: http.DefaultClient})
	if err != nil {
		t.Fatal(err)
	}
	s2.feeds.mispPageSize = 2
	now = now.Add(time.Minute)
	s2.feeds.pollOnce(bg)
	if last := m.lastSearch(); last["page"] != 226.0 || last["timestamp"] != nil {
		t.Fatalf("the walk's last search: %v", last)
	}
	f = feedByID(t, s2, feed.ID)
	if want := fmt.Sprint(1700000000 + n); f.Cursor != want || f.LastError != "" {
		t.Fatalf("after the walk: cursor %q (want %q), error %q", f.Cursor, want, f.LastError)
	}
	if got := len(mispDocEvents(t, s2, &feed)); got != n {
		t.Fatalf("imported %d distinct events, want %d", got, n)
	}
	// The next walk starts at the newest timestamp.
	now = now.Add(2 * time.Hour)
	s2.feeds.pollOnce(bg)
	if last := m.lastSearch(); last["page"] != 1.0 || last["timestamp"] != fmt.Sprint(1700000000+n) {
		t.Fatalf("the next walk's search: %v", last)
	}
}

func TestMISPCursor(t *testing.T) {
	tests := []struct {
		in   string
		want mispWalk
		out  string
	}{
		{"", mispWalk{}, "0"},
		{"1680000000", mispWalk{Since: 1680000000, Latest: 1680000000}, "1680000000"},
		{"0,201,1700000450", mispWalk{Since: 0, Page: 201, Latest: 1700000450}, "0,201,1700000450"},
		{"5,x,9", mispWalk{Since: 5, Latest: 9}, "9"},
		{"junk", mispWalk{}, "0"},
	}
	for _, tc := range tests {
		if got := parseMISPCursor(tc.in); got != tc.want || got.String() != tc.out {
			t.Errorf("%q: %+v %q", tc.in, got, got.String())
		}
	}
}
