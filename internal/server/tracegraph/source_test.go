package tracegraph_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

var bg = context.Background()

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func graph(t *testing.T, st store.Store) *cascade.Graph {
	t.Helper()
	g, err := cascade.Load(bg, tracegraph.Source{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestThreeCXFromStore(t *testing.T) {
	st := openStore(t)
	if _, err := tg.ThreeCX(bg, st); err != nil {
		t.Fatal(err)
	}
	g := graph(t, st)
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-20"),
		Seeds: []cascade.Seed{{Node: "release:x_trader@7.17.90p608", Time: tg.T("2022-02-01")}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cascade.Reach{}
	var suspects []string
	for _, re := range r.Reached() {
		got[re.Node.ID] = re
		if re.Suspect {
			suspects = append(suspects, re.Node.ID)
		}
	}
	if want := []string{"release:3cxdesktopapp@18.12.407", "release:3cxdesktopapp@18.12.416"}; !slices.Equal(suspects, want) {
		t.Errorf("suspects %v, want %v", suspects, want)
	}
	for id, when := range map[string]string{
		"host:dev-pc-07":                  "2022-04-01", // the install date, before the first snapshot
		"host:build-win-02":               "2022-12-08T09:14:00Z",
		"host:acme-ws-11":                 "2023-02-01T08:30:00Z",
		"host:globex-pbx-02":              "2023-03-10T11:00:00Z",
		"host:initech-lt-04":              "2023-03-12T07:00:00Z",
		"release:3cxdesktopapp@18.12.407": "2023-01-24T02:51:00Z",
	} {
		if re, ok := got[id]; !ok || !re.Time.Equal(tg.T(when)) {
			t.Errorf("%s reached %v (%v), want %s", id, re.Time, ok, when)
		}
	}
	for _, id := range []string{"release:3cxdesktopapp@18.12.402", "host:umbrella-ws-01"} {
		if _, ok := got[id]; ok {
			t.Errorf("%s reached", id)
		}
	}
	path := got["host:acme-ws-11"].Path
	var ids, evs []string
	for _, st := range path {
		ids = append(ids, st.Node)
		if st.Via != nil {
			evs = append(evs, st.Via.Evidence.Source)
		}
	}
	if want := "release:x_trader@7.17.90p608 host:dev-pc-07 host:build-win-02 release:3cxdesktopapp@18.12.407 host:acme-ws-11"; strings.Join(ids, " ") != want {
		t.Errorf("path %v, want %s", ids, want)
	}
	if want := "observation rdp-server releases-table observation"; strings.Join(evs, " ") != want {
		t.Errorf("evidence %v, want %s", evs, want)
	}

	b, err := cascade.Backtrace(bg, g, cascade.Options{At: tg.T("2023-04-20"), Seeds: []cascade.Seed{
		{Node: "host:acme-ws-11", Time: tg.T("2023-03-29")}, {Node: "host:globex-pbx-02", Time: tg.T("2023-03-29")},
		{Node: "host:initech-lt-04", Time: tg.T("2023-03-29")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.PatientZero) == 0 || b.PatientZero[0].FirstHost != "host:dev-pc-07" || len(b.PatientZero[0].Targets) != 3 {
		t.Errorf("patient zero %+v, want a candidate on dev-pc-07 covering 3", b.PatientZero)
	}
}

// TestEdges checks each derivation on its own.
func TestEdges(t *testing.T) {
	st := openStore(t)
	ids, err := tg.Load(bg, st, []tg.Host{
		{Name: "ci-01.corp", Snaps: []tg.Snap{{At: tg.T("2023-01-01"), Software: []snapshot.Software{tg.SW("GitLab Runner", "16.0", time.Time{})}}}},
		{Name: "ws-1", Snaps: []tg.Snap{{At: tg.T("2023-01-01"), Artifacts: []snapshot.Artifact{
			tg.Reach(tracegraph.ArtifactSSHKnownHost, "CI-01", "bob", tg.T("2023-02-01")),              // short name, any case
			tg.Reach(tracegraph.ArtifactSSHConfigHost, "ws-1", "bob", tg.T("2023-02-01")),              // itself: no edge
			tg.Reach(tracegraph.ArtifactPuTTYSession, "unknown.example", "bob", tg.T("2023-02-01")),    // not a known host
			tg.Reach(snapshot.ArtifactDNSCache, "ci-01.corp", "", tg.T("2023-02-01")),                  // not a reach kind
			marked(tg.Reach(tracegraph.ArtifactSSHKnownHost, "ci-01.corp", "bob", tg.T("2023-01-20"))), // @cert-authority: no contact
			hashed(tg.Reach(tracegraph.ArtifactSSHKnownHost, "ci-01.corp", "bob", tg.T("2023-01-20"))), // "hashed" but no |1| entry: names no host
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRelease(bg, fleet.Release{Product: "App", Version: "2.0", SHA256: tg.Digest("app2"), ReleasedAt: tg.T("2023-03-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRelease(bg, fleet.Release{Product: "App", Version: "1.0", SHA256: tg.Digest("app1"), ReleasedAt: tg.T("2022-06-01")}); err != nil {
		t.Fatal(err)
	}
	_ = ids
	g := graph(t, st)
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-04-01"),
		Seeds: []cascade.Seed{{Node: "host:ws-1", Time: tg.T("2023-01-15")}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cascade.Reach{}
	for _, re := range r.Reached() {
		got[re.Node.ID] = re
	}
	tests := []struct {
		node, when, source string
		conf               float64
	}{
		{"host:ci-01.corp", "2023-02-01", tracegraph.ArtifactSSHKnownHost, 0.9},
		{"release:app@2.0", "2023-03-01", "build-agent-proposal", 0.9 * tracegraph.ProposalConfidence},
	}
	for _, tc := range tests {
		re, ok := got[tc.node]
		if !ok {
			t.Errorf("%s not reached", tc.node)
			continue
		}
		last := re.Path[len(re.Path)-1].Via
		if !re.Time.Equal(tg.T(tc.when)) || last.Evidence.Source != tc.source || abs(re.Confidence-tc.conf) > 1e-6 {
			t.Errorf("%s at %v by %s confidence %v, want %s by %s confidence %v", tc.node, re.Time, last.Evidence.Source,
				re.Confidence, tc.when, tc.source, tc.conf)
		}
	}
	if _, ok := got["release:app@1.0"]; ok {
		t.Error("App 1.0 was released before the runner was seen, yet proposed")
	}
	if len(got) != 3 {
		t.Errorf("reached %d nodes, want ws-1, ci-01 and App 2.0", len(got))
	}
	if w := g.Warnings(); len(w) != 1 || !strings.Contains(w[0], "host:ci-01.corp has build-agent software (GitLab Runner)") {
		t.Errorf("warnings %q", w)
	}
}

func abs(x float64) float64 { return max(x, -x) }

func marked(a snapshot.Artifact) snapshot.Artifact { a.Marker = "@cert-authority"; return a }
func hashed(a snapshot.Artifact) snapshot.Artifact { a.Hashed = true; return a }

// TestHostIDs: names that repeat fall back to uids, so two machines
// called the same never merge into one node; a reach naming the shared
// name goes nowhere rather than to a guess.
func TestHostIDs(t *testing.T) {
	st := openStore(t)
	for _, uid := range []string{"uid-1", "uid-2"} {
		if _, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "Twin"}, nil, tg.T("2023-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tg.Load(bg, st, []tg.Host{{Name: "solo", Snaps: []tg.Snap{{At: tg.T("2023-01-01"),
		Artifacts: []snapshot.Artifact{tg.Reach(tracegraph.ArtifactRDPServer, "uid-2", "", tg.T("2023-01-02")),
			tg.Reach(tracegraph.ArtifactSSHKnownHost, "twin.corp", "", tg.T("2023-01-02"))}}}}}); err != nil {
		t.Fatal(err)
	}
	g := graph(t, st)
	var ids []string
	for _, id := range []string{"host:uid-1", "host:uid-2", "host:solo", "host:Twin"} {
		if _, ok := g.Node(id); ok {
			ids = append(ids, id)
		}
	}
	if want := []string{"host:uid-1", "host:uid-2", "host:solo"}; !slices.Equal(ids, want) {
		t.Errorf("host nodes %v, want %v", ids, want)
	}
	r, err := cascade.Trace(bg, g, cascade.Options{At: tg.T("2023-02-01"), Seeds: []cascade.Seed{{Node: "host:solo", Time: tg.T("2023-01-01")}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Count(); n != 2 {
		t.Errorf("reached %d nodes, want solo and uid-2 (by its uid; not uid-1 by the shared name)", n)
	}
}
