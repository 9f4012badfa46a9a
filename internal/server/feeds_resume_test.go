package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiitest"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// TestTAXIIFeedResumesAfterAFailedPage: a poll whose third page fails
// keeps the two pages it read (imported, cursor past them); the retry
// asks only for what came after.
func TestTAXIIFeedResumesAfterAFailedPage(t *testing.T) {
	vendor, _ := taxiitest.New(t, 250)
	var failing atomic.Bool
	failing.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() && r.URL.Query().Get("next") == "200" {
			taxiitest.Error(w, http.StatusBadGateway, "upstream down")
			return
		}
		vendor.ServeHTTP(w, r)
	}))
	defer ts.Close()
	now := day(400)
	s := feedServer(t, "", &now)
	f, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: ts.URL + "/api1/", Collection: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	s.feeds.pollOnce(bg)
	got := feedByID(t, s, f.ID)
	if got.Failures != 1 || !strings.Contains(got.LastError, "HTTP 502") || got.Cursor != taxii.FormatTime(taxiitest.T0.Add(199*time.Second)) {
		t.Fatalf("after the failed page: %+v", got)
	}
	if n := bundleLen(t, s, &f); n != 200 {
		t.Fatalf("imported %d objects, want the 200 of the two good pages", n)
	}
	failing.Store(false)
	now = got.NextAt
	s.feeds.pollOnce(bg)
	got = feedByID(t, s, f.ID)
	if got.Failures != 0 || got.Cursor != taxii.FormatTime(taxiitest.T0.Add(249*time.Second)) || bundleLen(t, s, &f) != 250 {
		t.Fatalf("after the retry: %+v, %d objects", got, bundleLen(t, s, &f))
	}
	reqs := vendor.Requests()
	if last := reqs[len(reqs)-1]; !strings.Contains(last, "added_after=2024-03-01T00%3A03%3A19.000000Z") || strings.Contains(last, "next=") {
		t.Fatalf("the retry did not resume after the cursor: %s", last)
	}
}

func bundleLen(t *testing.T, s *Server, f *fleet.Feed) int {
	t.Helper()
	content, err := s.storedDoc(bg, feedDocName(f))
	if err != nil {
		t.Fatal(err)
	}
	var b struct{ Objects []json.RawMessage }
	json.Unmarshal(content, &b)
	return len(b.Objects)
}

// TestURLFeedSendsItsCredential: a url feed with a bearer token sends it.
func TestURLFeedSendsItsCredential(t *testing.T) {
	body := readTestdata(t, "xtrader.json")
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer feed-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write(body)
	}))
	defer ts.Close()
	now := day(0)
	s := feedServer(t, "", &now)
	f, err := s.AddFeed(bg, fleet.FeedRequest{URL: ts.URL + "/xtrader.json", Secret: fleet.FeedSecret{Token: "feed-token"}})
	if err != nil || f.Auth != "bearer" {
		t.Fatalf("%+v %v", f, err)
	}
	s.feeds.pollOnce(bg)
	if got := feedByID(t, s, f.ID); got.LastError != "" || got.LastOK.IsZero() {
		t.Fatalf("%+v", got)
	}
}

func TestSightingObject(t *testing.T) {
	a := &sightAgg{ref: "indicator--x", count: 2, first: day(0), last: day(3), hosts: []string{"pc-a", "pc-b"}}
	for _, tc := range []struct {
		hosts bool
		want  []string
		not   string
	}{
		{false, []string{`"sighting_of_ref":"indicator--x"`, `"count":2`, `"created_by_ref":"identity--me"`, `"type":"sighting"`, `"spec_version":"2.1"`}, "pc-a"},
		{true, []string{`"x_cascade_hosts":["pc-a","pc-b"]`}, ""},
	} {
		o := string(stixSighting(a, "identity--me", "2024-01-02T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z", tc.hosts))
		for _, w := range tc.want {
			if !strings.Contains(o, w) {
				t.Errorf("hosts=%v: %s lacks %s", tc.hosts, o, w)
			}
		}
		if tc.not != "" && strings.Contains(o, tc.not) {
			t.Errorf("hosts=%v: %s names a host", tc.hosts, o)
		}
		if !strings.Contains(o, `"created":"2024-01-01T00:00:00.000000Z"`) || !strings.Contains(o, `"modified":"2024-01-02T00:00:00.000000Z"`) {
			t.Errorf("versioning: %s", o)
		}
	}
	idOf := func(ref string) string {
		var o struct{ ID string }
		json.Unmarshal(stixSighting(&sightAgg{ref: ref, count: 1}, "identity--me", "t", "", false), &o)
		return o.ID
	}
	if x := idOf("indicator--x"); x != idOf("indicator--x") || x == idOf("indicator--y") || len(x) != len("sighting--")+36 || x[len("sighting--")+14] != '5' {
		t.Fatalf("sighting ids must be stable per indicator, distinct, UUIDv5: %s", x)
	}
	m := refMap{"indicator--1": "indicator--1"}
	for id, ok := range map[string]bool{"indicator--1": true, "indicator--1#2": true, "indicator--1@inc": true, "indicator--2": false} {
		if _, got := m.lookup(id); got != ok {
			t.Errorf("lookup %s = %v", id, got)
		}
	}
}
