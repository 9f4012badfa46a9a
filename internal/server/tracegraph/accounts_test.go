package tracegraph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestSharedAccounts: the same account with a profile on two hosts is a
// low-confidence reaches edge both ways, over the time both profiles are
// seen; built-in and machine accounts link nothing, and an account on
// more than 50 hosts is skipped with a warning.
func TestSharedAccounts(t *testing.T) {
	st := openStore(t)
	visit := func(user, at string) snapshot.Artifact {
		a := tg.Reach(snapshot.ArtifactBrowserVisit, "intranet.example", user, tg.T(at))
		a.URL = "https://intranet.example/"
		return a
	}
	userSW := func(user, at string) snapshot.Software {
		sw := tg.SW("Notepad++", "8.5", tg.T(at))
		sw.Scope, sw.User = snapshot.ScopeUser, user
		return sw
	}
	hosts := []tg.Host{
		{Name: "ws-a", Snaps: []tg.Snap{{At: tg.T("2023-01-01"), Artifacts: []snapshot.Artifact{visit(`CORP\jdoe`, "2023-01-01"), visit("root", "2023-01-01"), visit("WS-A$", "2023-01-01")}}}},
		// srv-b has jdoe's profile from February 1 (last seen February 20).
		{Name: "srv-b", Snaps: []tg.Snap{
			{At: tg.T("2023-02-01"), Software: []snapshot.Software{userSW(`corp\JDOE`, "2023-02-01")}, Artifacts: []snapshot.Artifact{visit("root", "2023-02-01")}},
			{At: tg.T("2023-02-20"), Software: []snapshot.Software{userSW(`corp\JDOE`, "2023-02-01")}},
			{At: tg.T("2023-03-01")},
		}},
	}
	for i := range 51 {
		hosts = append(hosts, tg.Host{Name: fmt.Sprintf("kiosk-%02d", i), Snaps: []tg.Snap{{At: tg.T("2023-01-01"),
			Artifacts: []snapshot.Artifact{visit("kiosk", "2023-01-01")}}}})
	}
	if _, err := tg.Load(bg, st, hosts); err != nil {
		t.Fatal(err)
	}
	g := graph(t, st)
	trace := func(seed, at string) map[string]cascade.Reach {
		r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-06-01"), Seeds: []cascade.Seed{{Node: seed, Time: tg.T(at)}}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]cascade.Reach{}
		for _, re := range r.Reached() {
			out[re.Node.ID] = re
		}
		return out
	}
	got := trace("host:ws-a", "2023-01-15")
	b, ok := got["host:srv-b"]
	if len(got) != 2 || !ok {
		t.Fatalf("from ws-a reached %d nodes (srv-b: %v), want ws-a and srv-b only", len(got), ok)
	}
	ev := b.Path[1].Via.Evidence
	if !b.Time.Equal(tg.T("2023-02-01")) || b.Confidence != tracegraph.SharedAccountConfidence || ev.Source != "shared-account" ||
		!strings.Contains(ev.Note, `"corp\\jdoe"`) {
		t.Errorf("srv-b reached %v at %v by %+v", b.Time, b.Confidence, ev)
	}
	// Both ways, while both profiles exist.
	if got := trace("host:srv-b", "2023-02-10"); len(got) != 2 {
		t.Errorf("from srv-b in February reached %d nodes, want ws-a too", len(got))
	}
	if got := trace("host:srv-b", "2023-04-01"); len(got) != 1 {
		t.Errorf("from srv-b after its jdoe profile was gone reached %d nodes, want none but itself", len(got))
	}
	if got := trace("host:kiosk-00", "2023-01-02"); len(got) != 1 {
		t.Errorf("an account on 51 hosts linked them: %d reached", len(got))
	}
	if !slices.ContainsFunc(g.Warnings(), func(w string) bool { return strings.Contains(w, `account "kiosk" has a profile on 51 hosts`) }) {
		t.Errorf("warnings %q", g.Warnings())
	}
}
