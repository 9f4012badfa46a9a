package storetest

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func testMisc(t *testing.T, h Harness) {
	s := fresh(t, h)
	f, err := s.AddFeed(ctx, fleet.Feed{URL: "http://127.0.0.1/feed.json", Interval: fleet.Duration(time.Hour), Created: day(0)})
	if err != nil || f.ID == 0 {
		t.Fatal(err)
	}
	_, err = s.AddFeed(ctx, fleet.Feed{URL: "http://127.0.0.1/feed.json", Interval: fleet.Duration(time.Hour), Created: day(0)})
	wantErr(t, err, store.ErrExists)
	c, err := s.ClaimFeed(ctx, "r1", day(0), time.Minute)
	if err != nil || c == nil || c.ID != f.ID {
		t.Fatalf("claim feed: %+v %v", c, err)
	}
	if c2, _ := s.ClaimFeed(ctx, "r2", day(0), time.Minute); c2 != nil {
		t.Fatal("leased feed claimed twice")
	}
	if err := s.FeedPolled(ctx, f.ID, store.FeedResult{At: day(0), OK: true, ETag: `"e1"`, NextAt: day(1)}); err != nil {
		t.Fatal(err)
	}
	if c3, _ := s.ClaimFeed(ctx, "r2", day(0).Add(time.Hour), time.Minute); c3 != nil {
		t.Fatal("feed claimed before it was due")
	}
	feeds, _ := s.ListFeeds(ctx)
	if len(feeds) != 1 || feeds[0].ETag != `"e1"` || !feeds[0].LastOK.Equal(day(0)) || time.Duration(feeds[0].Interval) != time.Hour {
		t.Fatalf("feeds: %+v", feeds)
	}
	if c4, _ := s.ClaimFeed(ctx, "r2", day(1), time.Minute); c4 == nil {
		t.Fatal("due feed not claimed")
	}
	if err := s.DeleteFeed(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteFeed(ctx, f.ID), store.ErrNotFound)

	for i, a := range []string{"token.create", "intel.import"} {
		if err := s.Audit(ctx, fleet.AuditEntry{At: day(i), Actor: "admin", Role: "admin", Action: a, Target: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.AuditLog(ctx, 10, 0)
	if err != nil || len(log) != 2 || log[0].Action != "intel.import" {
		t.Fatalf("audit: %+v %v", log, err)
	}
	if older, _ := s.AuditLog(ctx, 10, log[0].ID); len(older) != 1 || older[0].Action != "token.create" {
		t.Fatalf("audit paging: %+v", older)
	}

	host := mustHost(t, s, "builder", fleet.RoleBuild)
	r, err := s.AddRelease(ctx, fleet.Release{Product: "App", Version: "1.0", SHA256: digest("app"), BuildHostID: host.ID, ReleasedAt: day(3)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRelease(ctx, fleet.Release{Product: "Bad", SHA256: "zz"}); err == nil {
		t.Fatal("bad digest accepted")
	}
	rs, err := s.Releases(ctx, digest("app"))
	if err != nil || len(rs) != 1 || rs[0].ID != r.ID || rs[0].BuildHostID != host.ID || !rs[0].ReleasedAt.Equal(day(3)) {
		t.Fatalf("releases: %+v %v", rs, err)
	}
}
