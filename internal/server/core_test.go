package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

var (
	bg = context.Background()
	t0 = time.Date(2022, 3, 1, 8, 0, 0, 0, time.UTC)
)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

// engines runs fn against SQLite and, when available, PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, open func() store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, func() store.Store {
			s, err := sqlite.Open(bg, filepath.Join(dir, "cascade.db"), sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.Database(t)
		fn(t, func() store.Store {
			s, err := postgres.Open(bg, dsn, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}

func newCore(t *testing.T, st store.Store) *Server {
	t.Helper()
	s, err := New(Config{Store: st, Now: func() time.Time { return day(400) }, HuntBatch: 3, FeedKey: testFeedKey})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hostSnap is a snapshot of a Windows workstation.
func hostSnap(uid string, at time.Time, software []snapshot.Software, artifacts []snapshot.Artifact) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: uid, Name: "pc-" + uid, OS: "windows", CollectedAt: at, Collector: "test"},
		Software: software, Artifacts: artifacts}
	for i := range 5 {
		s.Files = append(s.Files, snapshot.File{Path: fmt.Sprintf(`C:\Windows\System32\f%d.dll`, i), Size: 10, Type: "pe",
			SHA256: fmt.Sprintf("%064x", i+1)})
	}
	return s
}

var (
	xtrader  = snapshot.Software{Name: "X_TRADER", Vendor: "Trading Technologies", Version: "7.17.90", Platform: "windows", Ecosystem: "windows", Source: `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\X_TRADER`}
	office   = snapshot.Software{Name: "Office", Version: "16.0", Platform: "windows", Ecosystem: "windows", Source: "registry:office"}
	download = snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: "https://download.tradingtechnologies.com/x_trader/X_TRADER_r7.17.90p608.exe",
		TargetPath: `C:\Users\ann\Downloads\X_TRADER_r7.17.90p608.exe`, Browser: "chrome", User: "ann", Source: `C:\Users\ann\AppData\Local\Google\Chrome\User Data\Default\History`}
)

func upload(t *testing.T, s *Server, host fleet.Host, snap *snapshot.Snapshot) fleet.UploadResult {
	t.Helper()
	res, err := s.Ingest(bg, host, &fleet.Upload{UploadID: "up-" + newID(), Snapshot: snap}, store.KindFull)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// runHunts runs every queued hunt to the end.
func runHunts(t *testing.T, s *Server) {
	t.Helper()
	for s.hunter.runOne(bg) {
	}
	hs, _ := s.st.ListHunts(bg, 100)
	for _, h := range hs {
		if h.Status != fleet.HuntDone {
			t.Fatalf("hunt %d is %s: %s", h.ID, h.Status, h.Error)
		}
	}
}

func TestRetroHuntFindsThePast(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		st := open()
		s := newCore(t, st)
		hosts := map[string]fleet.Host{}
		for _, uid := range []string{"a", "b", "c"} {
			h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "pc-" + uid}, []string{fleet.RoleWorkstation}, day(0))
			if err != nil {
				t.Fatal(err)
			}
			hosts[uid] = h
		}
		// a installs X_TRADER on day 0 and removes it on day 30.
		upload(t, s, hosts["a"], hostSnap("a", day(0), []snapshot.Software{office, xtrader}, []snapshot.Artifact{download}))
		upload(t, s, hosts["a"], hostSnap("a", day(10), []snapshot.Software{office, xtrader}, []snapshot.Artifact{download}))
		upload(t, s, hosts["a"], hostSnap("a", day(30), []snapshot.Software{office}, nil))
		for _, uid := range []string{"b", "c"} {
			upload(t, s, hosts[uid], hostSnap(uid, day(0), []snapshot.Software{office}, nil))
			upload(t, s, hosts[uid], hostSnap(uid, day(30), []snapshot.Software{office}, nil))
		}
		if fs, _, _ := st.ListFindings(bg, store.FindingQuery{}); len(fs) != 0 {
			t.Fatalf("findings without intel: %+v", fs)
		}
		res, err := s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin")
		if err != nil || !res.Changed || res.HuntID == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		runHunts(t, s)
		fs, _, err := st.ListFindings(bg, store.FindingQuery{})
		if err != nil || len(fs) != 2 {
			t.Fatalf("findings after import: %d %v", len(fs), err)
		}
		for _, f := range fs {
			if f.HostID != hosts["a"].ID || f.Present || f.State != fleet.StateNew || f.Incident == nil || f.Incident.ID != "xtrader-2022" {
				t.Errorf("finding %+v", f)
			}
			if !f.FirstSeen.Equal(day(0)) || !f.LastSeen.Equal(day(10)) {
				t.Errorf("%s: exposure window %v – %v, want day 0 – day 10", f.Evidence.Kind, f.FirstSeen, f.LastSeen)
			}
			if f.Origin != fmt.Sprintf("hunt:%d", res.HuntID) {
				t.Errorf("origin %q", f.Origin)
			}
		}
		// Importing the same document again changes nothing.
		again, err := s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin")
		if err != nil || again.Changed || again.HuntID != 0 {
			t.Fatalf("re-import: %+v %v", again, err)
		}
		// Revoking the URL indicator retracts the download finding only.
		if _, err := s.Revoke(bg, "url-tt-download", "false lead", "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		fs, _, _ = st.ListFindings(bg, store.FindingQuery{})
		if len(fs) != 1 || fs[0].Evidence.Kind != "software" {
			t.Fatalf("after revocation: %+v", fs)
		}
		if _, err := s.RemoveIntel(bg, "xtrader.json", "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		if fs, _, _ = st.ListFindings(bg, store.FindingQuery{}); len(fs) != 0 {
			t.Fatalf("after removing the intel: %+v", fs)
		}
		// Restoring the indicator and the document brings both back.
		if _, err := s.Unrevoke(bg, "url-tt-download", "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportIntel(bg, "xtrader.json", "upload", readTestdata(t, "xtrader.json"), "admin"); err != nil {
			t.Fatal(err)
		}
		runHunts(t, s)
		if fs, _, _ = st.ListFindings(bg, store.FindingQuery{}); len(fs) != 2 || fs[0].Retracted {
			t.Fatalf("after re-import: %+v", fs)
		}
		// A new snapshot with X_TRADER back is matched at ingest.
		r := upload(t, s, hosts["b"], hostSnap("b", day(40), []snapshot.Software{office, xtrader}, nil))
		if r.Findings != 1 {
			t.Fatalf("ingest findings = %d", r.Findings)
		}
	})
}

// TestRetroHuntSTIXPattern imports a STIX pattern that stays a pattern
// (software name and version together) after the fact: the retro-hunt walks
// the software history and finds the host that had X_TRADER, with its
// exposure window.
func TestRetroHuntSTIXPattern(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		st := open()
		s := newCore(t, st)
		a, err := st.EnsureHost(bg, snapshot.Host{ID: "a", Name: "pc-a"}, nil, day(0))
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.EnsureHost(bg, snapshot.Host{ID: "b", Name: "pc-b"}, nil, day(0))
		if err != nil {
			t.Fatal(err)
		}
		upload(t, s, a, hostSnap("a", day(0), []snapshot.Software{office, xtrader}, nil))
		upload(t, s, a, hostSnap("a", day(10), []snapshot.Software{office, xtrader}, nil))
		upload(t, s, a, hostSnap("a", day(30), []snapshot.Software{office}, nil))
		other := xtrader
		other.Version = "7.17.91" // not the trojanized build
		upload(t, s, b, hostSnap("b", day(0), []snapshot.Software{office, other}, nil))
		bundle := `{"type": "bundle", "id": "bundle--6d0ea2a4-1b55-4e0f-9d5f-2d9a1c1a0b01", "objects": [{
			"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e3c52-5f0c-4d8e-9d7c-6b6d8a3f2e11",
			"created": "2023-04-01T00:00:00Z", "modified": "2023-04-01T00:00:00Z", "valid_from": "2020-01-01T00:00:00Z",
			"name": "Trojanized X_TRADER 7.17.90", "pattern_type": "stix",
			"pattern": "[software:name = 'X_TRADER' AND software:version = '7.17.90']"}]}`
		res, err := s.ImportIntel(bg, "xtrader-stix.json", "upload", []byte(bundle), "admin")
		if err != nil || res.HuntID == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		runHunts(t, s)
		fs, _, err := st.ListFindings(bg, store.FindingQuery{})
		if err != nil || len(fs) != 1 {
			t.Fatalf("findings = %+v, %v; want one for pc-a", fs, err)
		}
		f := fs[0]
		if f.HostID != a.ID || f.Present || f.Evidence.Kind != "software" || !f.FirstSeen.Equal(day(0)) || !f.LastSeen.Equal(day(10)) {
			t.Errorf("finding %+v, want pc-a's X_TRADER, gone, seen day 0 - day 10", f)
		}
	})
}

// racingStore changes the intel right before the first ingest, as another
// replica would between a warm-up and the transaction.
type racingStore struct {
	store.Store
	raced bool
}

func (r *racingStore) Ingest(ctx context.Context, in *store.Incoming, m store.MatchFunc) (fleet.UploadResult, error) {
	if !r.raced {
		r.raced = true
		v, _ := r.Store.IntelVersion(ctx)
		doc := &store.IntelDocument{IntelDoc: fleet.IntelDoc{Name: "raced.json", SHA256: "x"}, Content: readRaced}
		if _, _, err := r.Store.ApplyIntelChange(ctx, store.IntelChange{ExpectVersion: v, Put: doc, Now: day(1)}); err != nil {
			return fleet.UploadResult{}, err
		}
	}
	return r.Store.Ingest(ctx, in, m)
}

var readRaced []byte

func TestIngestRetriesWhenIntelMoves(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		readRaced = readTestdata(t, "xtrader.json")
		rs := &racingStore{Store: open()}
		s := newCore(t, rs)
		h, _ := rs.EnsureHost(bg, snapshot.Host{ID: "a", Name: "a"}, nil, day(0))
		res := upload(t, s, h, hostSnap("a", day(0), []snapshot.Software{xtrader}, nil))
		if !rs.raced || res.Findings != 1 {
			t.Fatalf("ingest racing an intel change: raced=%v findings=%d (the new intel must be used)", rs.raced, res.Findings)
		}
		if _, err := s.matchIngest(bg, 999, nil); !errors.Is(err, errIntelMoved) {
			t.Fatalf("matching with an uncompiled version: %v", err)
		}
	})
}

// TestRetroHuntMultiObservationPattern imports, after the fact, a STIX
// pattern that needs two observations — the X_TRADER download followed by
// the installed product — and the retro-hunt evaluates each host's whole
// history: only the host that had both, at different times, is found.
func TestRetroHuntMultiObservationPattern(t *testing.T) {
	engines(t, func(t *testing.T, open func() store.Store) {
		st := open()
		s := newCore(t, st)
		hosts := map[string]fleet.Host{}
		for _, uid := range []string{"a", "b", "c"} {
			h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: "pc-" + uid}, nil, day(0))
			if err != nil {
				t.Fatal(err)
			}
			hosts[uid] = h
		}
		// a downloads X_TRADER on day 0 (the history is cleared by day 10)
		// and has it installed from day 10; b has it installed without a
		// download; c only downloaded it.
		upload(t, s, hosts["a"], hostSnap("a", day(0), []snapshot.Software{office}, []snapshot.Artifact{download}))
		upload(t, s, hosts["a"], hostSnap("a", day(10), []snapshot.Software{office, xtrader}, nil))
		upload(t, s, hosts["b"], hostSnap("b", day(0), []snapshot.Software{office, xtrader}, nil))
		upload(t, s, hosts["c"], hostSnap("c", day(0), []snapshot.Software{office}, []snapshot.Artifact{download}))
		bundle := `{"type": "bundle", "id": "bundle--6d0ea2a4-1b55-4e0f-9d5f-2d9a1c1a0b02", "objects": [{
			"type": "indicator", "spec_version": "2.1", "id": "indicator--0b5e3c52-5f0c-4d8e-9d7c-6b6d8a3f2e12",
			"created": "2023-04-01T00:00:00Z", "modified": "2023-04-01T00:00:00Z", "valid_from": "2020-01-01T00:00:00Z",
			"name": "X_TRADER downloaded, then installed", "pattern_type": "stix",
			"pattern": "[domain-name:value = 'download.tradingtechnologies.com'] FOLLOWEDBY [software:name = 'X_TRADER']"}]}`
		res, err := s.ImportIntel(bg, "xtrader-multi.json", "upload", []byte(bundle), "admin")
		if err != nil || res.HuntID == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		runHunts(t, s)
		fs, _, err := st.ListFindings(bg, store.FindingQuery{})
		if err != nil || len(fs) != 1 {
			t.Fatalf("findings = %+v, %v; want one for pc-a", fs, err)
		}
		f := fs[0]
		if f.HostID != hosts["a"].ID || f.Evidence.Kind != "artifact" || f.Origin != fmt.Sprintf("hunt:%d", res.HuntID) {
			t.Errorf("finding %+v, want pc-a's download, from the hunt", f)
		}
		if !f.FirstSeen.Equal(day(0)) || f.Present {
			t.Errorf("exposure %v – %v (present %v), want from day 0, gone", f.FirstSeen, f.LastSeen, f.Present)
		}
		// The pattern names a domain and a product: the hunt loaded the
		// hosts' software and browser records (3 + 2 + 2), not their files.
		h, err := st.Hunt(bg, res.HuntID)
		if err != nil || h.Findings != 1 || h.Candidates != 7 {
			t.Fatalf("hunt %+v %v; want 1 finding from 7 candidates", h, err)
		}
	})
}
