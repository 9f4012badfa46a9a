package storetest

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

func testIntel(t *testing.T, h Harness) {
	s := fresh(t, h)
	v, err := s.IntelVersion(ctx)
	if err != nil || v != 0 {
		t.Fatalf("initial version %d %v", v, err)
	}
	doc := &store.IntelDocument{IntelDoc: fleet.IntelDoc{Name: "x.json", Origin: "upload", SHA256: "ab",
		Counts: map[string]int{"sha256": 2}, Sources: []string{"s1", "s2"}, ImportedAt: day(1), ImportedBy: "admin"}, Content: []byte(`{"a":1}`)}
	v, hunt, err := s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 0, Put: doc, HuntReason: "import x.json", HuntSpec: []byte("{}"), Now: day(1)})
	if err != nil || v != 1 || hunt == 0 {
		t.Fatalf("put: v=%d hunt=%d %v", v, hunt, err)
	}
	_, _, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 0, Put: doc, Now: day(1)})
	wantErr(t, err, store.ErrConflict)
	docs, err := s.IntelDocs(ctx, true)
	if err != nil || len(docs) != 1 || string(docs[0].Content) != `{"a":1}` || docs[0].Counts["sha256"] != 2 ||
		!slices.Equal(docs[0].Sources, []string{"s1", "s2"}) || docs[0].Size != 7 {
		t.Fatalf("docs: %+v %v", docs, err)
	}
	doc.Content = []byte(`{"a":2}`)
	if v, hunt, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 1, Put: doc, Now: day(2)}); err != nil || v != 2 || hunt != 0 {
		t.Fatalf("replace: %d %d %v", v, hunt, err)
	}
	if docs, _ := s.IntelDocs(ctx, false); len(docs) != 1 || len(docs[0].Content) != 0 {
		t.Fatalf("replace kept two docs or returned content: %+v", docs)
	}
	rev := &store.Revocation{Indicator: "ind-1", Reason: "wrong", By: "admin", At: day(3)}
	if v, _, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 2, Revoke: rev, Now: day(3)}); err != nil || v != 3 {
		t.Fatal(err)
	}
	if rs, _ := s.Revocations(ctx); len(rs) != 1 || rs[0].Indicator != "ind-1" || rs[0].By != "admin" {
		t.Fatalf("revocations: %+v", rs)
	}
	_, _, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 3, Delete: "nope.json"})
	wantErr(t, err, store.ErrNotFound)
	if v, _, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 3, Delete: "x.json", Unrevoke: "ind-1"}); err != nil || v != 4 {
		t.Fatal(err)
	}
	if docs, _ := s.IntelDocs(ctx, false); len(docs) != 0 {
		t.Fatal("delete kept the doc")
	}
}

func testHunts(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "a")
	ingest(t, s, host.ID, snap("a", day(0), []string{"X_TRADER@7.17"}, nil), nil)
	ingest(t, s, host.ID, snap("a", day(2), nil, nil), nil)
	v, id, err := s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 0, HuntReason: "test", HuntSpec: []byte(`{"x":1}`), Now: day(3)})
	if err != nil {
		t.Fatal(err)
	}
	now := day(3)
	hu, err := s.ClaimHunt(ctx, "r1", now, time.Minute)
	if err != nil || hu == nil || hu.ID != id || hu.Status != fleet.HuntRunning || string(hu.Spec) != `{"x":1}` {
		t.Fatalf("claim: %+v %v", hu, err)
	}
	if other, _ := s.ClaimHunt(ctx, "r2", now.Add(time.Second), time.Minute); other != nil {
		t.Fatal("a leased hunt was claimed by another replica")
	}
	obs, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsSoftware, Products: []string{"xtrader"}})
	if err != nil || len(obs) != 1 || obs[0].Present {
		t.Fatalf("candidates: %+v %v", obs, err)
	}
	sameTime(t, "candidate last seen", obs[0].LastSeen, day(0))
	hits, _ := matchSoftware("X_TRADER", 95)(ctx, v, obs)
	err = s.CommitHunt(ctx, store.HuntCommit{HuntID: id, Owner: "r1", IntelVersion: v + 1, Hits: hits, Now: now, Lease: time.Minute})
	wantErr(t, err, store.ErrConflict)
	err = s.CommitHunt(ctx, store.HuntCommit{HuntID: id, Owner: "r2", IntelVersion: v, Hits: hits, Now: now, Lease: time.Minute})
	wantErr(t, err, store.ErrConflict)
	if err := s.CommitHunt(ctx, store.HuntCommit{HuntID: id, Owner: "r1", IntelVersion: v, Phase: 1, Cursor: "c1", Candidates: 1, Hits: hits, Now: now, Lease: time.Minute}); err != nil {
		t.Fatal(err)
	}
	fs, _, _ := s.ListFindings(ctx, store.FindingQuery{})
	if len(fs) != 1 || fs[0].Present || fs[0].Origin != "hunt:"+itoa(id) {
		t.Fatalf("hunt finding: %+v", fs)
	}
	sameTime(t, "hunt finding first seen", fs[0].FirstSeen, day(0))
	sameTime(t, "hunt finding last seen", fs[0].LastSeen, day(0))
	// After a crash the lease runs out and another replica resumes it.
	hu2, err := s.ClaimHunt(ctx, "r2", now.Add(2*time.Minute), time.Minute)
	if err != nil || hu2 == nil || hu2.Phase != 1 || hu2.Cursor != "c1" || hu2.Findings != 1 {
		t.Fatalf("resume: %+v %v", hu2, err)
	}
	ids, err := s.FindingsByIndicator(ctx, []string{"advisory:adv-X_TRADER", "other"}, "", 10)
	if err != nil || len(ids) != 1 || ids[0] != fs[0].ID {
		t.Fatalf("by indicator: %v %v", ids, err)
	}
	if more, _ := s.FindingsByIndicator(ctx, []string{"advisory:adv-X_TRADER"}, ids[0], 10); len(more) != 0 {
		t.Fatalf("paging after the last finding: %v", more)
	}
	if err := s.CommitHunt(ctx, store.HuntCommit{HuntID: id, Owner: "r2", IntelVersion: v, Phase: 2, Rechecked: ids, Done: true, Now: now.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	done, _ := s.Hunt(ctx, id)
	if done.Status != fleet.HuntDone || done.Retracted != 1 || done.Candidates != 1 || done.Finished.IsZero() {
		t.Fatalf("finished hunt: %+v", done)
	}
	if fs, _, _ := s.ListFindings(ctx, store.FindingQuery{}); len(fs) != 0 {
		t.Fatal("retracted finding listed by default")
	}
	if fs, _, _ := s.ListFindings(ctx, store.FindingQuery{Retracted: true}); len(fs) != 1 || !fs[0].Retracted {
		t.Fatal("retracted finding not listed when asked")
	}
	if ids, _ := s.FindingsByIndicator(ctx, []string{"advisory:adv-X_TRADER"}, "", 10); len(ids) != 0 {
		t.Fatal("a retracted finding keeps its reasons")
	}
	// Intel that confirms the retracted finding again lists it again: it
	// counts as a finding of that hunt.
	v, back, err := s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: v, HuntSpec: []byte("{}"), HuntReason: "restore", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if hb, _ := s.ClaimHunt(ctx, "r1", now.Add(time.Hour), time.Minute); hb == nil || hb.ID != back {
		t.Fatalf("claim restoring hunt: %+v", hb)
	}
	if err := s.CommitHunt(ctx, store.HuntCommit{HuntID: back, Owner: "r1", IntelVersion: v, Phase: 1, Hits: hits, Done: true, Now: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if hb, _ := s.Hunt(ctx, back); hb.Findings != 1 {
		t.Fatalf("restoring hunt findings = %d, want 1", hb.Findings)
	}
	if fs, _, _ := s.ListFindings(ctx, store.FindingQuery{}); len(fs) != 1 {
		t.Fatal("the confirmed finding is not listed again")
	}
	if next, _ := s.ClaimHunt(ctx, "r1", now.Add(time.Hour), time.Minute); next != nil {
		t.Fatal("a finished hunt was claimed")
	}
	_, _, err = s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: v, HuntSpec: []byte("{}"), HuntReason: "second", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := s.ClaimHunt(ctx, "r1", now.Add(time.Hour), time.Minute)
	if err := s.FailHunt(ctx, h2.ID, "r1", "broken spec", now); err != nil {
		t.Fatal(err)
	}
	if hs, _ := s.ListHunts(ctx, 10); len(hs) != 3 || hs[0].Status != fleet.HuntFailed || hs[0].Error != "broken spec" {
		t.Fatalf("hunts: %+v", hs)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func testCandidates(t *testing.T, h Harness) {
	s := fresh(t, h)
	a := mustHost(t, s, "a")
	sn := snap("a", day(0), nil, map[string]string{`C:\evil.exe`: "evil", `C:\ok.exe`: "ok"},
		"https://download.tradingtechnologies.com/x_trader.exe", "https://evilexample.com/", "https://example.com/")
	sn.Software = append(sn.Software, snapshot.Software{Name: "Trading Tech", Identifier: "X_TRADER", Version: "7", Source: "s"})
	sn.Artifacts = append(sn.Artifacts, snapshot.Artifact{Kind: snapshot.ArtifactDNSCache, Domain: "C2.Example.ORG.", IP: "::ffff:10.0.0.1", Source: "dns"})
	sn.Files[0].SHA1 = "0000000000000000000000000000000000000001"
	ingest(t, s, a.ID, sn, nil)
	raw, _ := hex.DecodeString(digest("evil"))
	count := func(q store.CandidateQuery) int {
		t.Helper()
		obs, err := s.Candidates(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		return len(obs)
	}
	sha1, _ := hex.DecodeString("0000000000000000000000000000000000000001")
	tests := []struct {
		name string
		q    store.CandidateQuery
		want int
	}{
		{"sha256", store.CandidateQuery{Kind: fleet.ObsFile, DigestType: "sha256", Digests: [][]byte{raw, make([]byte, 32)}}, 1},
		{"sha1", store.CandidateQuery{Kind: fleet.ObsFile, DigestType: "sha1", Digests: [][]byte{sha1}}, 1},
		{"identifier", store.CandidateQuery{Kind: fleet.ObsSoftware, Products: []string{"xtrader"}}, 1},
		{"name", store.CandidateQuery{Kind: fleet.ObsSoftware, Products: []string{"tradingtech"}}, 1},
		{"url host", store.CandidateQuery{Kind: fleet.ObsArtifact, Domains: []string{"download.tradingtechnologies.com"}}, 1},
		{"parent domain", store.CandidateQuery{Kind: fleet.ObsArtifact, Domains: []string{"tradingtechnologies.com"}}, 1},
		{"no suffix confusion", store.CandidateQuery{Kind: fleet.ObsArtifact, Domains: []string{"example.com"}}, 1},
		{"domain case", store.CandidateQuery{Kind: fleet.ObsArtifact, Domains: []string{"example.org"}}, 1},
		{"ip unmapped", store.CandidateQuery{Kind: fleet.ObsArtifact, IPs: []string{"10.0.0.1"}}, 1},
		{"scan", store.CandidateQuery{Kind: fleet.ObsFile, Scan: true, Limit: 1}, 1},
		{"scan all", store.CandidateQuery{Kind: fleet.ObsArtifact, Scan: true}, 4},
	}
	for _, tc := range tests {
		if got := count(tc.q); got != tc.want {
			t.Errorf("%s: %d candidates, want %d", tc.name, got, tc.want)
		}
	}
	first, _ := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, Scan: true, Limit: 1})
	if n := count(store.CandidateQuery{Kind: fleet.ObsFile, Scan: true, AfterID: first[0].ID}); n != 1 {
		t.Errorf("scan after the first file: %d, want 1", n)
	}
	obs, _ := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, DigestType: "sha256", Digests: [][]byte{raw}})
	if f := obs[0].File; f.Path != `C:\evil.exe` || f.SHA256 != digest("evil") || obs[0].HostUID != "a" || !obs[0].Present {
		t.Errorf("candidate file decoded as %+v", obs[0])
	}

	// A host's whole history, open and gone, in id order; other hosts'
	// observations are not in it.
	b := mustHost(t, s, "b")
	ingest(t, s, b.ID, snap("b", day(0), nil, map[string]string{`C:\b.exe`: "b"}), nil)
	ingest(t, s, a.ID, snap("a", day(1), nil, map[string]string{`C:\new.exe`: "new"}), nil)
	hist, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, HostID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, o := range hist {
		got = append(got, fmt.Sprintf("%s present=%v", o.File.Path, o.Present))
		if o.HostID != a.ID || (i > 0 && hist[i-1].ID >= o.ID) {
			t.Errorf("history entry %d: host %d, id %d after %d", i, o.HostID, o.ID, hist[max(i-1, 0)].ID)
		}
	}
	slices.Sort(got) // the first snapshot's files went in in map order
	want := []string{`C:\evil.exe present=false`, `C:\new.exe present=true`, `C:\ok.exe present=false`}
	if !slices.Equal(got, want) {
		t.Errorf("history of a: %q, want %q", got, want)
	}
	for _, tc := range []struct {
		after int64
		limit int
		want  []int64
	}{{0, 10, []int64{a.ID, b.ID}}, {a.ID, 10, []int64{b.ID}}, {0, 1, []int64{a.ID}}, {b.ID, 10, nil}} {
		if ids, err := s.HostsAfter(ctx, tc.after, tc.limit); err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("HostsAfter(%d, %d) = %v %v, want %v", tc.after, tc.limit, ids, err, tc.want)
		}
	}
}

// testCandidatesAcrossHistory: a hunt by digest finds files whatever their
// row ids, first and last included (SQLite indexes digests under epochs of
// ids, 2^20 rows each, and looks every epoch up; the ids here are epoch
// boundaries for any epoch up to 2^21 rows).
func testCandidatesAcrossHistory(t *testing.T, h Harness) {
	s := fresh(t, h)
	var want []string
	for i, next := range []int64{0, 3<<21 + 7, 5 << 21, 5<<21 + 1} {
		if next > 0 {
			h.SkipFileIDs(t, s, next)
		}
		uid := fmt.Sprintf("h%d", i)
		sn := snap(uid, day(i), nil, map[string]string{`C:\tool.exe`: "tool " + uid})
		sn.Files[0].SHA1 = fmt.Sprintf("%040x", i+1)
		ingest(t, s, mustHost(t, s, uid).ID, sn, nil)
		want = append(want, uid)
	}
	for _, typ := range []string{"sha256", "sha1"} {
		var digests [][]byte
		for i, uid := range want {
			d := digest("tool " + uid)
			if typ == "sha1" {
				d = fmt.Sprintf("%040x", i+1)
			}
			raw, _ := hex.DecodeString(d)
			digests = append(digests, raw)
		}
		obs, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, DigestType: typ, Digests: digests})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range obs {
			got = append(got, o.HostUID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s hunt found files of %q, want %q", typ, got, want)
		}
		// Paged as a hunt pages, one at a time after the last id seen:
		// every file once, in id order, whichever epochs it spans.
		got = nil
		var after int64
		for range 10 {
			page, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, DigestType: typ, Digests: digests,
				AfterID: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			if len(page) != 1 || page[0].ID <= after {
				t.Fatalf("%s page after id %d: %+v", typ, after, page)
			}
			got, after = append(got, page[0].HostUID), page[0].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s hunt paged through files of %q, want %q in id order", typ, got, want)
		}
	}
	// The ids are where the test meant them to be.
	obs, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsFile, Scan: true, AfterID: 5<<21 - 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || obs[0].ID != 5<<21 || obs[0].HostUID != "h2" || obs[1].ID != 5<<21+1 || obs[1].HostUID != "h3" {
		t.Errorf("observations from id %d: %+v, want h2's file there and h3's next", 5<<21, obs)
	}
}

// testHuntBatch commits one batch holding a new finding with two pieces
// of evidence (a product removed and installed again) and an existing,
// resolved finding: the first gets both observations and the whole window,
// the second new content but not a new state.
func testHuntBatch(t *testing.T, h Harness) {
	s := fresh(t, h)
	a := mustHost(t, s, "a")
	b := mustHost(t, s, "b")
	ingest(t, s, a.ID, snap("a", day(0), []string{"X_TRADER@7.17"}, nil), nil)
	ingest(t, s, a.ID, snap("a", day(2), nil, nil), nil)
	ingest(t, s, a.ID, snap("a", day(4), []string{"X_TRADER@7.18"}, nil), nil)
	ingest(t, s, b.ID, snap("b", day(1), []string{"X_TRADER@7.17"}, nil), matchSoftware("X_TRADER", 60))
	fb, _, _ := s.ListFindings(ctx, store.FindingQuery{HostID: b.ID})
	if len(fb) != 1 {
		t.Fatalf("finding on b: %+v", fb)
	}
	if _, err := s.SetFindingState(ctx, fb[0].ID, fleet.StateResolved, "known", "alice", day(5)); err != nil {
		t.Fatal(err)
	}
	v, id, err := s.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: 0, HuntReason: "batch", HuntSpec: []byte(`{}`), Now: day(6)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimHunt(ctx, "r1", day(6), time.Minute); err != nil {
		t.Fatal(err)
	}
	obs, err := s.Candidates(ctx, store.CandidateQuery{Kind: fleet.ObsSoftware, Products: []string{"xtrader"}})
	if err != nil || len(obs) != 3 {
		t.Fatalf("candidates: %d %v", len(obs), err)
	}
	hits, _ := matchSoftware("X_TRADER", 95)(ctx, v, obs)
	// The same findings confirmed again by a later phase (a file seen by
	// its SHA-256 and its MD5) are not new a second time; the one on b
	// existed before the hunt: one finding appeared, on a.
	for _, done := range []bool{false, true} {
		if err := s.CommitHunt(ctx, store.HuntCommit{HuntID: id, Owner: "r1", IntelVersion: v, Phase: 1, Candidates: 3,
			Hits: hits, Done: done, Now: day(6), Lease: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if hu, _ := s.Hunt(ctx, id); hu.Findings != 1 {
		t.Fatalf("hunt findings = %d, want 1 (the new one on a)", hu.Findings)
	}
	fa, _, _ := s.ListFindings(ctx, store.FindingQuery{HostID: a.ID})
	if len(fa) != 1 || !fa[0].Present || fa[0].Score != 95 || fa[0].State != fleet.StateNew {
		t.Fatalf("finding on a: %+v", fa)
	}
	sameTime(t, "first seen over both installs", fa[0].FirstSeen, day(0))
	sameTime(t, "present finding last seen", fa[0].LastSeen, day(4))
	if ev, err := s.FindingEvidence(ctx, fa[0].ID); err != nil || len(ev) != 2 {
		t.Fatalf("evidence on a: %d %v", len(ev), err)
	}
	gb, err := s.Finding(ctx, fb[0].ID)
	if err != nil || gb.Score != 95 || gb.State != fleet.StateResolved || !gb.Present {
		t.Fatalf("finding on b after the hunt: %+v %v", gb, err)
	}
	sameTime(t, "existing finding first seen", gb.FirstSeen, day(1))
}
