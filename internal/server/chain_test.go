package server

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// chainServer is one organization's `cascade serve`: the HTTP API and
// TAXII server on a loopback port, with its background work (feed polls,
// hunts, retro-traces) running as in production, on short test intervals.
func chainServer(t *testing.T, name string, seed func(store.Store) error) *testServer {
	t.Helper()
	st, err := sqlite.Open(bg, fmt.Sprintf("%s/%s.db", t.TempDir(), name), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if seed != nil {
		if err := seed(st); err != nil {
			t.Fatal(err)
		}
	}
	x := newHTTP(t, st, func(c *Config) {
		c.Organization, c.PollEvery, c.RetroDelay = name, 50*time.Millisecond, 100*time.Millisecond
	})
	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { x.s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return x
}

// share makes a collection on x and a taxii token that may read it.
func share(t *testing.T, x *testServer, alias string) (coll, token string, tokenID int64) {
	t.Helper()
	c := x.client(x.admin)
	col, err := c.AddTAXIICollection(bg, fleet.TAXIICollectionRequest{Title: alias, Alias: alias})
	if err != nil {
		t.Fatal(err)
	}
	tc, err := c.CreateToken(bg, fleet.TokenRequest{Name: "reader of " + alias, Role: fleet.TokenTAXII})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GrantTAXII(bg, col.ID, strconv.FormatInt(tc.Token.ID, 10), fleet.TAXIIGrantRequest{Read: true}); err != nil {
		t.Fatal(err)
	}
	return col.ID, tc.Secret, tc.Token.ID
}

// alertHosts are the hosts with an alert-level finding.
func alertHosts(t *testing.T, x *testServer) []string {
	t.Helper()
	fs, _, err := x.s.st.ListFindings(bg, store.FindingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.Level == finding.Alert && !slices.Contains(out, f.HostUID) {
			out = append(out, f.HostUID)
		}
	}
	slices.Sort(out)
	return out
}

// TestChainReaction is issue 19's three organizations, end to end over
// loopback HTTP with no human step after the first publication: TT (the
// trading-software vendor) publishes the trojanized X_TRADER installer's
// indicators into a TAXII collection; 3CX's server pulls them through its
// taxii feed, hunts, finds dev-pc-07, and its watched saved trace (seeded
// by the X_TRADER incident, publish_to its customers' collection) is
// computed by the retro-trace, reaches build-win-02 and the suspect
// releases 18.12.407 and 18.12.416, and publishes them; the customer's
// server pulls that and its hunt finds its hosts running 18.12.407 and
// 18.12.416, not 18.12.402. The test only seeds the three servers and
// then waits, naming the stage that did not happen.
func TestChainReaction(t *testing.T) {
	tt := chainServer(t, "Trading Technologies", nil)
	three := chainServer(t, "3CX", func(st store.Store) error { _, err := tg.ThreeCX(bg, st); return err })
	tx := func(v string) []snapshot.Software { return []snapshot.Software{tg.SW("3CXDesktopApp", v, time.Time{})} }
	customer := chainServer(t, "Customer", func(st store.Store) error {
		_, err := tg.Load(bg, st, []tg.Host{
			{Name: "cust-ws-1", Snaps: []tg.Snap{{At: tg.T("2023-02-10T08:00:00Z"), Software: tx("18.12.407")}}},
			{Name: "cust-pbx-2", Snaps: []tg.Snap{{At: tg.T("2023-03-15T08:00:00Z"), Software: tx("18.12.416")}}},
			{Name: "cust-ws-3", Snaps: []tg.Snap{{At: tg.T("2022-12-01T08:00:00Z"), Software: tx("18.12.402")}}},
			{Name: "cust-hr-4", Snaps: []tg.Snap{{At: tg.T("2023-03-01T08:00:00Z"), Software: []snapshot.Software{tg.SW("7-Zip", "22.01", time.Time{})}}}},
		})
		return err
	})

	// Seeding, before the first publication: TT's intel (not yet shared),
	// the subscriptions, and 3CX's watched trace.
	ttColl, ttToken, _ := share(t, tt, "tt-advisories")
	if _, err := tt.client(tt.admin).ImportIntel(bg, "xtrader.json", xtrader3CX(t)); err != nil {
		t.Fatal(err)
	}
	derived, custToken, custID := share(t, three, "3cx-derived")
	// The customer sends its sightings back upstream into 3CX's
	// sightings collection (the feed's policy), with the same token.
	c3 := three.client(three.admin)
	sightColl, err := c3.AddTAXIICollection(bg, fleet.TAXIICollectionRequest{Title: "Customer sightings", Alias: "3cx-sightings"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c3.GrantTAXII(bg, sightColl.ID, strconv.FormatInt(custID, 10), fleet.TAXIIGrantRequest{Write: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := three.client(three.admin).AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: tt.ts.URL + "/taxii2/api/",
		Collection: ttColl, Interval: fleet.Duration(time.Second), Secret: fleet.FeedSecret{Token: ttToken}}); err != nil {
		t.Fatal(err)
	}
	if _, err := customer.client(customer.admin).AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: three.ts.URL + "/taxii2/api/",
		Collection: derived, Interval: fleet.Duration(time.Second), Secret: fleet.FeedSecret{Token: custToken},
		Policy: fleet.FeedPolicy{SightingsCollection: "3cx-sightings"}}); err != nil {
		t.Fatal(err)
	}
	// A subscription the vendor did not grant: a TT token with no grant
	// on the collection. The customer's feed gets TT's 404 and backs off.
	tc, err := tt.client(tt.admin).CreateToken(bg, fleet.TokenRequest{Name: "no grant", Role: fleet.TokenTAXII})
	if err != nil {
		t.Fatal(err)
	}
	denied, err := customer.client(customer.admin).AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedTAXII, URL: tt.ts.URL + "/taxii2/api/",
		Collection: ttColl, Interval: fleet.Duration(time.Second), Secret: fleet.FeedSecret{Token: tc.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	// publish_to names an existing collection, of a forward trace.
	for _, bad := range []struct {
		req fleet.SaveTraceRequest
		msg string
	}{
		{fleet.SaveTraceRequest{Name: "nowhere", PublishTo: "nope", Watch: true, TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022"}}}}, "no TAXII collection"},
		{fleet.SaveTraceRequest{Name: "back", PublishTo: "3cx-derived", TraceRequest: fleet.TraceRequest{Backwards: true, Seeds: []fleet.TraceSeed{{Node: "host:dev-pc-07"}}}}, "only a forward trace"},
		{fleet.SaveTraceRequest{Name: "unwatched", TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022"}}}}, "no host has an alert-level finding"},
	} {
		if code, _, body := saveTraceAPI(t, three, three.admin, bad.req); code != 400 || !strings.Contains(body, bad.msg) {
			t.Errorf("save %q: %d %s, want 400 %q", bad.req.Name, code, body, bad.msg)
		}
	}
	watched, err := three.client(three.admin).SaveTrace(bg, fleet.SaveTraceRequest{Name: "X_TRADER incident", PublishTo: "3cx-derived", Watch: true,
		TraceRequest: fleet.TraceRequest{Seeds: []fleet.TraceSeed{{Node: "incident:xtrader-2022"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if watched.Version != 1 || !strings.Contains(watched.Versions[0].Error, "no host has an alert-level finding") {
		t.Fatalf("the watched trace before any finding: %+v", watched)
	}
	if got := alertHosts(t, customer); len(got) != 0 {
		t.Fatalf("customer findings before anything was published: %v", got)
	}

	// The first publication; from here on the test only waits.
	start := time.Now()
	if st, err := tt.client(tt.admin).PublishTAXII(bg, ttColl, fleet.TAXIIPublishRequest{Intel: "xtrader.json"}); err != nil || st.SuccessCount == 0 {
		t.Fatalf("TT publishes: %+v %v", st, err)
	}
	const within = 60 * time.Second
	stage := func(name string, done func() bool) time.Duration {
		t.Helper()
		for deadline := time.Now().Add(within); !done(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("stage %q did not happen within %s of TT's publication", name, within)
			}
		}
		d := time.Since(start)
		t.Logf("%-62s %6.2fs", name, d.Seconds())
		return d
	}
	stage("3CX finds dev-pc-07 (feed pull, import, hunt)", func() bool { return slices.Contains(alertHosts(t, three), "dev-pc-07") })
	var suspects3CX []string
	stage("3CX's saved trace reaches build-win-02 and the suspects", func() bool {
		d, err := three.client(three.admin).SavedTrace(bg, watched.ID, 1)
		if err != nil || d.Version < 2 || len(d.Versions) == 0 || d.Versions[0].Error != "" {
			return false
		}
		suspects3CX = suspects(d.Versions[0].Result)
		return slices.Contains(nodeIDs(d.Versions[0].Result.Nodes), "host:build-win-02")
	})
	if want := []string{"release:3cxdesktopapp@18.12.407", "release:3cxdesktopapp@18.12.416"}; !slices.Equal(suspects3CX, want) {
		t.Fatalf("3CX's suspects %v, want %v", suspects3CX, want)
	}
	stage("3CX publishes derived intel into its customers' collection", func() bool {
		objs, _, err := three.s.st.QueryObjects(bg, store.TAXIIQuery{Collection: derived, Limit: 100, Types: []string{"indicator"}})
		return err == nil && len(objs) > 0
	})
	want := []string{"cust-pbx-2", "cust-ws-1"}
	total := stage("the customer finds its hosts running 18.12.407 and 18.12.416", func() bool {
		return slices.Equal(alertHosts(t, customer), want)
	})
	t.Logf("chain reaction: TT's publication to the customer's last finding in %.2fs", total.Seconds())
	stage("3CX receives the customer's sighting (upstream, by the feed's policy)", func() bool {
		objs, _, err := three.s.st.QueryObjects(bg, store.TAXIIQuery{Collection: sightColl.ID, Limit: 100, Types: []string{"sighting"}, Body: true})
		if err != nil || len(objs) == 0 {
			return false
		}
		for _, o := range objs { // counts, never the customer's host names
			if strings.Contains(string(o.Body), "cust-") {
				t.Fatalf("a sighting names a host: %s", o.Body)
			}
		}
		return true
	})
	if f := feedByID(t, customer.s, denied.ID); f.Failures == 0 || !strings.Contains(f.LastError, "404") || f.NextAt.Sub(f.LastFetch) < feedRetryBase/2 {
		t.Errorf("the feed without a grant: failures %d, error %q, next poll %s after the last", f.Failures, f.LastError, f.NextAt.Sub(f.LastFetch))
	}
	// Settled: 18.12.402 (built before the intrusion) and the host without
	// 3CX stay clean.
	time.Sleep(500 * time.Millisecond)
	if got := alertHosts(t, customer); !slices.Equal(got, want) {
		t.Fatalf("customer alerts %v, want %v (not cust-ws-3 on 18.12.402)", got, want)
	}
}
