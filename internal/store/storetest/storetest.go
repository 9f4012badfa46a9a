// Package storetest is the conformance suite every store.Store
// implementation must pass: the same tests run against SQLite and against
// a real PostgreSQL.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// Harness opens stores for the suite.
type Harness struct {
	// Fresh returns an empty store migrated up to max (0: all), and a
	// function that opens the same database again with the given max.
	Fresh func(t *testing.T, max int) (store.Store, func(max int) (store.Store, error))
	// Latest is the newest migration version.
	Latest int
	// SkipFileIDs makes the next file observation's id at least next, as
	// if a long history had been ingested.
	SkipFileIDs func(t *testing.T, s store.Store, next int64)
	// SQL is the database beneath s, to go past the store (rows as an
	// older version wrote them), and the rewriting of ? placeholders.
	SQL func(t *testing.T, s store.Store) (db *sql.DB, rebind func(string) string)
	// Raw returns what the database holds as the engine keeps it, read
	// past the store: SQLite's database and write-ahead log files,
	// PostgreSQL's rows of every table as text.
	Raw func(t *testing.T, s store.Store) []byte
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Migrations", testMigrations},
		{"Hosts", testHosts},
		{"IngestIntervals", testIngestIntervals},
		{"IngestDelta", testIngestDelta},
		{"FileBirthTime", testFileBirthTime},
		{"IngestIdempotentAndOrdered", testIngestIdempotent},
		{"IngestAtomic", testIngestAtomic},
		{"IngestConcurrent", testIngestConcurrent},
		{"FindingsWindowAndState", testFindings},
		{"Intel", testIntel},
		{"HuntJobs", testHunts},
		{"HuntBatch", testHuntBatch},
		{"Candidates", testCandidates},
		{"CandidatesAcrossHistory", testCandidatesAcrossHistory},
		{"Auth", testAuth},
		{"FeedsAuditReleases", testMisc},
		{"FeedKinds", testFeedKinds},
		{"FeedCredentialsSealed", testFeedSealing},
		{"ObservationsAfter", testObservationsAfter},
		{"SavedTraces", testSavedTraces},
		{"TraceRecomputes", testTraceRecomputes},
		{"TraceInputs", testTraceInputs},
		{"TAXIICollections", testTAXIICollections},
		{"TAXIIVersions", testTAXIIVersions},
		{"TAXIIConcurrentPaging", testTAXIIConcurrentPaging},
		{"Search", testSearch},
		{"SearchAcrossHistory", testSearchAcrossHistory},
		{"Alerts", testAlerts},
		{"AlertQueueBound", testAlertQueueBound},
		{"Users", testUsers},
		{"Triage", testTriage},
		{"FinishDeliveries", testFinishDeliveries},
		{"YARAHunts", testYARAHunts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

func fresh(t *testing.T, h Harness) store.Store {
	t.Helper()
	s, _ := h.Fresh(t, 0)
	return s
}

var (
	ctx = context.Background()
	t0  = time.Date(2023, 1, 10, 9, 0, 0, 0, time.UTC)
)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// snap builds a snapshot: software "name@version", files path→content.
func snap(uid string, at time.Time, software []string, files map[string]string, urls ...string) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, ID: fmt.Sprintf("%s-%d", uid, at.Unix()),
		Host: snapshot.Host{ID: uid, Name: "name-" + uid, OS: "windows", CollectedAt: at, Collector: "test"}}
	for _, sw := range software {
		name, ver := sw, ""
		for i := len(sw) - 1; i >= 0; i-- {
			if sw[i] == '@' {
				name, ver = sw[:i], sw[i+1:]
				break
			}
		}
		s.Software = append(s.Software, snapshot.Software{Name: name, Version: ver, Ecosystem: "windows", Platform: "windows",
			Source: `registry:HKLM\Uninstall\` + name})
	}
	for p, c := range files {
		s.Files = append(s.Files, snapshot.File{Path: p, Size: int64(len(c)), Type: "pe", SHA256: digest(c), ModTime: t0})
	}
	for _, u := range urls {
		s.Artifacts = append(s.Artifacts, snapshot.Artifact{Kind: snapshot.ArtifactBrowserDownload, URL: u, Source: "History"})
	}
	return s
}

func mustHost(t *testing.T, s store.Store, uid string, roles ...string) fleet.Host {
	t.Helper()
	h, err := s.EnsureHost(ctx, snapshot.Host{ID: uid, Name: "name-" + uid, OS: "windows"}, roles, t0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var uploads int

func ingest(t *testing.T, s store.Store, hostID int64, sn *snapshot.Snapshot, m store.MatchFunc) fleet.UploadResult {
	t.Helper()
	r, err := tryIngest(s, hostID, sn, m)
	if err != nil {
		t.Fatalf("ingest %s: %v", sn.ID, err)
	}
	return r
}

func tryIngest(s store.Store, hostID int64, sn *snapshot.Snapshot, m store.MatchFunc) (fleet.UploadResult, error) {
	uploads++
	return s.Ingest(ctx, &store.Incoming{HostID: hostID, UploadID: fmt.Sprintf("u%d", uploads), Kind: store.KindFull,
		Snapshot: sn, Received: sn.Host.CollectedAt}, m)
}

// matchSoftware is a matcher that flags software by name.
func matchSoftware(name string, score int) store.MatchFunc {
	return func(_ context.Context, _ int64, obs []store.Obs) ([]store.Hit, error) {
		var hits []store.Hit
		for _, o := range obs {
			if o.Software == nil || o.Software.Name != name {
				continue
			}
			id := digest(o.HostUID + "software:" + o.Software.Name)[:16]
			f := finding.Finding{ID: id, Host: o.HostUID, Title: name + " installed", Score: score, Level: finding.LevelOf(score),
				Incident: &finding.Incident{ID: "inc-" + name, Name: name},
				Evidence: finding.Evidence{Kind: finding.EvidenceSoftware, Product: name, Version: o.Software.Version},
				Reasons:  []finding.Reason{{Kind: "advisory", IndicatorID: "adv-" + name, Score: score}}}
			hits = append(hits, store.Hit{Finding: f, HostID: o.HostID, ObsID: o.ID, ObsKind: o.Kind, Indicators: []string{"advisory:adv-" + name}})
		}
		return hits, nil
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func obsList(t *testing.T, s store.Store, hostID int64, kind string, history bool) []fleet.Observation {
	t.Helper()
	obs, err := s.Observations(ctx, store.ObsQuery{HostID: hostID, Kind: kind, History: history})
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
