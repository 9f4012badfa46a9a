package storetest

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

// testFeedKinds: TAXII and MISP feeds with credentials, policies, resume
// cursors and failure counts (migration 0009).
func testFeedKinds(t *testing.T, h Harness) {
	s := fresh(t, h)
	if _, err := s.SetFeedKey(ctx, feedKeyA); err != nil {
		t.Fatal(err)
	}
	root := "https://taxii.example/api1/"
	sec := fleet.FeedSecret{User: "u", Password: "p"}
	pol := fleet.FeedPolicy{SightingsCollection: "sightings", HostNames: true}
	a, err := s.AddFeed(ctx, fleet.Feed{Kind: fleet.FeedTAXII, URL: root, Collection: "c1", Secret: sec, Policy: pol, Interval: fleet.Duration(time.Hour), Created: day(0)})
	if err != nil || a.Auth != "basic" {
		t.Fatalf("add taxii feed: %+v %v", a, err)
	}
	// The same API root with another collection is another feed.
	b, err := s.AddFeed(ctx, fleet.Feed{Kind: fleet.FeedTAXII, URL: root, Collection: "c2", Interval: fleet.Duration(time.Hour), Created: day(0)})
	if err != nil || b.ID == a.ID {
		t.Fatalf("second collection: %+v %v", b, err)
	}
	_, err = s.AddFeed(ctx, fleet.Feed{Kind: fleet.FeedTAXII, URL: root, Collection: "c1", Interval: fleet.Duration(time.Hour), Created: day(0)})
	wantErr(t, err, store.ErrExists)
	m, err := s.AddFeed(ctx, fleet.Feed{Kind: fleet.FeedMISP, URL: "https://misp.example", Secret: fleet.FeedSecret{Key: "k"},
		Policy: fleet.FeedPolicy{MISPSightings: true}, Interval: fleet.Duration(time.Hour), Created: day(0)})
	if err != nil || m.Auth != "misp-key" {
		t.Fatalf("add misp feed: %+v %v", m, err)
	}
	// A failed poll counts; a cursor set by a partial poll is kept; a
	// good poll resets the count and keeps the cursor when it sets none.
	must(t, s.FeedPolled(ctx, a.ID, store.FeedResult{At: day(0), Err: "boom", Cursor: "2023-01-01T00:00:00.000000Z", NextAt: day(1)}))
	must(t, s.FeedPolled(ctx, a.ID, store.FeedResult{At: day(1), Err: "boom", NextAt: day(2)}))
	got := feedByID(t, s, a.ID)
	if got.Failures != 2 || got.Cursor != "2023-01-01T00:00:00.000000Z" || got.Secret != sec || got.Policy != pol || got.Kind != fleet.FeedTAXII || got.Collection != "c1" {
		t.Fatalf("after two failures: %+v", got)
	}
	must(t, s.FeedPolled(ctx, a.ID, store.FeedResult{At: day(2), OK: true, Sighted: `{"f1":"x"}`, NextAt: day(3)}))
	got = feedByID(t, s, a.ID)
	if got.Failures != 0 || got.Cursor == "" || got.Sighted != `{"f1":"x"}` || !got.LastOK.Equal(day(2)) {
		t.Fatalf("after success: %+v", got)
	}
	if m2 := feedByID(t, s, m.ID); m2.Secret.Key != "k" || !m2.Policy.MISPSightings || m2.Kind != fleet.FeedMISP {
		t.Fatalf("misp feed: %+v", m2)
	}
	c, err := s.ClaimFeed(ctx, "r1", day(0), time.Minute)
	if err != nil || c == nil || c.Secret.Kind() == "" {
		t.Fatalf("claim: %+v %v", c, err)
	}
}

func feedByID(t *testing.T, s store.Store, id int64) fleet.Feed {
	t.Helper()
	fs, err := s.ListFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("feed %d not listed", id)
	return fleet.Feed{}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
