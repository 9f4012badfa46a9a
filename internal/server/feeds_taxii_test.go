package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiitest"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/taxii"
)

const xtraderIndicator = `{"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e3c52-5f0c-4d8e-9d7c-6b6d8a3f2e11",
	"created": "2023-04-01T00:00:00Z", "modified": "2023-04-01T00:00:00Z", "valid_from": "2020-01-01T00:00:00Z",
	"name": "Trojanized X_TRADER 7.17.90", "pattern_type": "stix",
	"pattern": "[software:name = 'X_TRADER' AND software:version = '7.17.90']"}`

// TestTAXIIFeedHuntsAndSights: a vendor publishes an indicator in a TAXII
// collection; the server's taxii feed imports it, the retro-hunt finds the
// host that had the software, and the policy posts one STIX sighting (no
// host names) to the vendor's sightings collection, once.
func TestTAXIIFeedHuntsAndSights(t *testing.T) {
	vendor, vts := taxiitest.New(t, 3) // three unrelated indicators first
	vendor.Auth = func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "cust" && p == "pw" }
	now := day(400)
	s := feedServer(t, "", &now)
	a, _ := s.st.EnsureHost(bg, snapshot.Host{ID: "a", Name: "pc-a"}, nil, day(0))
	upload(t, s, a, hostSnap("a", day(0), []snapshot.Software{office, xtrader}, nil))
	upload(t, s, a, hostSnap("a", day(10), []snapshot.Software{office, xtrader}, nil))
	feed, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: vts.URL + "/api1/", Collection: "c1",
		Secret: fleet.FeedSecret{User: "cust", Password: "pw"}, Policy: fleet.FeedPolicy{SightingsCollection: "sightings"}})
	if err != nil {
		t.Fatal(err)
	}
	s.feeds.pollOnce(bg)
	runHunts(t, s)
	if fs, _, _ := s.st.ListFindings(bg, store.FindingQuery{}); len(fs) != 0 {
		t.Fatalf("findings before the indicator: %+v", fs)
	}
	f1 := feedByID(t, s, feed.ID)
	if f1.Cursor != "2024-03-01T00:00:02.000000Z" || f1.LastError != "" {
		t.Fatalf("after the first poll: %+v", f1)
	}
	vendor.Mu.Lock()
	vendor.Objects = append(vendor.Objects, taxiitest.Stored{Added: taxiitest.T0.Add(time.Hour), Raw: json.RawMessage(xtraderIndicator)})
	vendor.Mu.Unlock()
	// A restarted server (same store) resumes after the cursor.
	s2, err := New(Config{Store: s.st, Now: func() time.Time { return now }, Organization: "Customer Corp"})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	s2.feeds.pollOnce(bg)
	runHunts(t, s2)
	reqs := vendor.Requests()
	if !containsReq(reqs, "added_after=2024-03-01T00%3A00%3A02.000000Z") {
		t.Fatalf("the second poll did not resume from the cursor: %v", reqs)
	}
	fs, _, _ := s2.st.ListFindings(bg, store.FindingQuery{})
	if len(fs) != 1 || fs[0].HostID != a.ID {
		t.Fatalf("findings: %+v", fs)
	}
	if d := docs(t, s2)[feedDocName(&feed)]; d.Origin != "feed:1" || d.Size == 0 {
		t.Fatalf("feed document: %+v", d)
	}
	content, _ := s2.storedDoc(bg, feedDocName(&feed))
	var bundle struct{ Objects []json.RawMessage }
	if json.Unmarshal(content, &bundle); len(bundle.Objects) != 4 {
		t.Fatalf("the feed document should hold the 3 earlier objects and the new one: %d", len(bundle.Objects))
	}
	// The sighting went out on the poll after the hunt.
	now = now.Add(2 * time.Hour)
	s2.feeds.pollOnce(bg)
	sent := vendor.Posted["sightings"]
	var sighting map[string]any
	for _, o := range sent {
		var m map[string]any
		json.Unmarshal(o, &m)
		if m["type"] == "sighting" {
			if sighting != nil {
				t.Fatal("more than one sighting")
			}
			sighting = m
		}
	}
	if sighting == nil || sighting["sighting_of_ref"] != "indicator--0b5e3c52-5f0c-4d8e-9d7c-6b6d8a3f2e11" || sighting["count"] != 1.0 ||
		!strings.HasPrefix(sighting["created_by_ref"].(string), "identity--") || sighting["first_seen"] != taxii.FormatTime(day(0)) || sighting["last_seen"] != taxii.FormatTime(day(10)) {
		t.Fatalf("sighting: %v (posted %s)", sighting, sent)
	}
	if _, ok := sighting["x_cascade_hosts"]; ok || strings.Contains(fmt.Sprint(sent), "pc-a") {
		t.Fatal("host names sent without the policy allowing them")
	}
	// Nothing changed: nothing is sent again.
	now = now.Add(2 * time.Hour)
	s2.feeds.pollOnce(bg)
	if len(vendor.Posted["sightings"]) != len(sent) {
		t.Fatalf("sighting sent again: %d objects", len(vendor.Posted["sightings"]))
	}
}

func containsReq(reqs []string, sub string) bool {
	for _, r := range reqs {
		if strings.Contains(r, sub) {
			return true
		}
	}
	return false
}

func feedByID(t *testing.T, s *Server, id int64) fleet.Feed {
	t.Helper()
	fs, err := s.st.ListFeeds(bg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no feed %d", id)
	return fleet.Feed{}
}

// TestHostileFeedBacksOff: a feed that fails is retried later and later
// (bounded by its interval), its error is recorded, and a feed redirecting
// elsewhere never makes the server contact the other address.
func TestHostileFeedBacksOff(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer bad.Close()
	now := day(400)
	s := feedServer(t, "", &now)
	s.feeds.http = nil // the server's own guarded client, as in production
	tf, _ := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: bad.URL + "/api1/", Collection: "c1", Interval: fleet.Duration(24 * time.Hour)})
	uf, _ := s.AddFeed(bg, fleet.FeedRequest{URL: bad.URL + "/intel.json", Interval: fleet.Duration(24 * time.Hour)})
	var prev time.Duration
	for i := 1; i <= 6; i++ {
		s.feeds.pollOnce(bg)
		for _, id := range []int64{tf.ID, uf.ID} {
			f := feedByID(t, s, id)
			wait := f.NextAt.Sub(now)
			hi := min(feedRetryBase<<(i-1), 24*time.Hour)
			if f.Failures != i || !strings.Contains(f.LastError, "another address") || wait < hi/2 || wait > hi {
				t.Fatalf("poll %d, feed %d: failures %d, retry in %s (want %s..%s), error %q", i, id, f.Failures, wait, hi/2, hi, f.LastError)
			}
			if id == tf.ID && wait < prev/2 {
				t.Fatalf("back-off shrank: %s after %s", wait, prev)
			}
			if id == tf.ID {
				prev = wait
			}
		}
		now = now.Add(48 * time.Hour)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the server contacted an address the feed did not name")
	}
}

// TestHostileTAXIIFeeds: each way a TAXII feed can misbehave ends the poll
// bounded, with the error recorded and logged, the failure counted and
// the retry pushed back, and the intel the feed gave before kept.
func TestHostileTAXIIFeeds(t *testing.T) {
	page := func(more bool, next string, objs ...json.RawMessage) []byte {
		b, _ := json.Marshal(taxii.Envelope{More: more, Next: next, Objects: objs})
		return b
	}
	for _, tc := range []struct {
		name, want string
		h          http.HandlerFunc
	}{
		{"malformed envelope", "malformed answer", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"objects": {}}`)) }},
		{"next loops", "paging loop", func(w http.ResponseWriter, r *http.Request) { w.Write(page(true, "again", taxiitest.Indicator(1))) }},
		{"more without progress", "no progress", func(w http.ResponseWriter, r *http.Request) { w.Write(page(true, "", taxiitest.Indicator(1))) }},
		{"huge answer", "larger than the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"objects":[`))
			for range 1 << 14 {
				if _, err := w.Write(make([]byte, 1<<16)); err != nil {
					return
				}
			}
		}},
		{"server error", "HTTP 503", func(w http.ResponseWriter, r *http.Request) { taxiitest.Error(w, 503, "busy") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); tc.h(w, r) }))
			defer ts.Close()
			var logs strings.Builder
			now := day(400)
			s := feedServer(t, "", &now)
			s.cfg.MaxIntel, s.log = 1<<20, slogTo(&logs)
			f, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: ts.URL + "/api1/", Collection: "c1", Interval: fleet.Duration(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s.feeds.pollOnce(bg)
			got := feedByID(t, s, f.ID)
			wait := got.NextAt.Sub(now)
			if !strings.Contains(got.LastError, tc.want) || got.Failures != 1 || wait < feedRetryBase/2 || wait > feedRetryBase {
				t.Fatalf("feed after the poll: failures %d, retry in %s, error %q", got.Failures, wait, got.LastError)
			}
			if !strings.Contains(logs.String(), "intel feed") || !strings.Contains(logs.String(), tc.want) {
				t.Fatalf("not logged: %s", logs.String())
			}
			if n.Load() > 3 || time.Since(start) > 10*time.Second {
				t.Fatalf("%d requests in %s", n.Load(), time.Since(start))
			}
		})
	}
}
