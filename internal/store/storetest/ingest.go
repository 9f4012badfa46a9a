package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
)

func testIngestIntervals(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "h1")
	files := map[string]string{`C:\a.exe`: "a", `C:\b.exe`: "b"}
	r := ingest(t, s, host.ID, snap("h1", day(0), []string{"Editor@1.0", "X_TRADER@7.17"}, files, "https://example.com/x"), nil)
	if r.Opened != 5 || r.Closed != 0 {
		t.Fatalf("first snapshot: %+v", r)
	}
	r = ingest(t, s, host.ID, snap("h1", day(1), []string{"Editor@1.0", "X_TRADER@7.17"}, files, "https://example.com/x"), nil)
	if r.Opened != 0 || r.Closed != 0 {
		t.Fatalf("unchanged snapshot: %+v", r)
	}
	files2 := map[string]string{`C:\a.exe`: "a2", `C:\b.exe`: "b"}
	r = ingest(t, s, host.ID, snap("h1", day(5), []string{"Editor@2.0"}, files2), nil)
	if r.Opened != 2 || r.Closed != 4 {
		t.Fatalf("changed snapshot: %+v", r)
	}
	got, _ := s.Host(ctx, host.ID)
	if got.Software != 1 || got.Files != 2 || got.Artifacts != 0 || got.Snapshots != 3 || got.SnapshotID != r.SnapshotID {
		t.Fatalf("host after 3 snapshots: %+v", got)
	}
	sameTime(t, "host last seen", got.LastSeen, day(5))
	sw := obsList(t, s, host.ID, fleet.ObsSoftware, true)
	byName := map[string]fleet.Observation{}
	for _, o := range sw {
		byName[o.Software.Name+"@"+o.Software.Version] = o
	}
	xt := byName["X_TRADER@7.17"]
	if xt.Present {
		t.Fatal("removed software still present")
	}
	sameTime(t, "X_TRADER first seen", xt.FirstSeen, day(0))
	sameTime(t, "X_TRADER last seen", xt.LastSeen, day(1))
	sameTime(t, "X_TRADER gone at", xt.GoneAt, day(5))
	ed := byName["Editor@2.0"]
	if !ed.Present {
		t.Fatal("new version not present")
	}
	sameTime(t, "Editor 2.0 first seen", ed.FirstSeen, day(5))
	sameTime(t, "Editor 2.0 last seen", ed.LastSeen, day(5))
	if now := obsList(t, s, host.ID, fleet.ObsSoftware, false); len(now) != 1 {
		t.Fatalf("present software = %d, want 1", len(now))
	}
	fs := obsList(t, s, host.ID, fleet.ObsFile, true)
	if len(fs) != 3 {
		t.Fatalf("file observations = %d, want 3 (a, a2, b)", len(fs))
	}
	for _, o := range fs {
		if o.File.Path == `C:\b.exe` && (!o.Present || !o.FirstSeen.Equal(day(0))) {
			t.Errorf("b.exe interval broken: %+v", o)
		}
		if o.File.SHA256 == digest("a") && (o.Present || !o.LastSeen.Equal(day(1))) {
			t.Errorf("old a.exe interval: %+v", o)
		}
	}
	snaps, err := s.Snapshots(ctx, host.ID, 10)
	if err != nil || len(snaps) != 3 || snaps[0].Opened != 2 || snaps[0].Closed != 4 {
		t.Fatalf("snapshots: %+v %v", snaps, err)
	}
}

func testIngestDelta(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "h1")
	s0 := snap("h1", day(0), []string{"A@1", "B@1"}, map[string]string{"/x": "x"})
	fleet.Dedup(s0)
	r0 := ingest(t, s, host.ID, s0, nil)
	s1 := snap("h1", day(1), []string{"A@1", "C@1"}, map[string]string{"/x": "x", "/y": "y"})
	fleet.Dedup(s1)
	d := fleet.MakeDelta(s0, s1, r0.SnapshotID)
	in := func(base string, dg fleet.Digest, up string) *store.Incoming {
		sn := d.Snapshot
		return &store.Incoming{HostID: host.ID, UploadID: up, Kind: store.KindDelta, Snapshot: &sn, Base: base,
			Remove: d.Remove, Digest: dg, Received: day(1)}
	}
	_, err := s.Ingest(ctx, in("nope", d.Digest, "d1"), nil)
	wantErr(t, err, store.ErrBaseMismatch)
	_, err = s.Ingest(ctx, in(r0.SnapshotID, fleet.Digest{1}, "d2"), nil)
	wantErr(t, err, store.ErrBaseMismatch)
	if got, _ := s.Host(ctx, host.ID); got.Snapshots != 1 || got.Software != 2 {
		t.Fatalf("refused delta changed the host: %+v", got)
	}
	r1, err := s.Ingest(ctx, in(r0.SnapshotID, d.Digest, "d3"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Opened != 2 || r1.Closed != 1 {
		t.Fatalf("delta result %+v", r1)
	}
	// A full upload of the same state afterwards changes nothing.
	s2 := snap("h1", day(2), []string{"A@1", "C@1"}, map[string]string{"/x": "x", "/y": "y"})
	r2 := ingest(t, s, host.ID, s2, nil)
	if r2.Opened != 0 || r2.Closed != 0 {
		t.Fatalf("full after delta: %+v (state digests disagree)", r2)
	}
	// An empty delta extends last seen.
	s3 := snap("h1", day(3), []string{"A@1", "C@1"}, map[string]string{"/x": "x", "/y": "y"})
	d3 := fleet.MakeDelta(s2, s3, r2.SnapshotID)
	sn := d3.Snapshot
	if _, err := s.Ingest(ctx, &store.Incoming{HostID: host.ID, UploadID: "d4", Kind: store.KindDelta, Snapshot: &sn,
		Base: r2.SnapshotID, Digest: d3.Digest, Received: day(3)}, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range obsList(t, s, host.ID, fleet.ObsSoftware, false) {
		sameTime(t, "present last seen", o.LastSeen, day(3))
	}
}

func testIngestIdempotent(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "h1")
	sn := snap("h1", day(1), []string{"A@1"}, nil)
	in := &store.Incoming{HostID: host.ID, UploadID: "same", Kind: store.KindFull, Snapshot: sn, Received: day(1)}
	r1, err := s.Ingest(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Ingest(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Duplicate || r2.SnapshotID != r1.SnapshotID || r2.Opened != r1.Opened {
		t.Fatalf("replay = %+v, first = %+v", r2, r1)
	}
	if got, _ := s.Host(ctx, host.ID); got.Snapshots != 1 {
		t.Fatalf("replay stored a snapshot: %d", got.Snapshots)
	}
	_, err = tryIngest(s, host.ID, snap("h1", day(1), []string{"B@1"}, nil), nil)
	wantErr(t, err, store.ErrStale)
	_, err = tryIngest(s, host.ID, snap("h1", day(0), []string{"B@1"}, nil), nil)
	wantErr(t, err, store.ErrStale)
}

func testIngestAtomic(t *testing.T, h Harness) {
	s := fresh(t, h)
	host := mustHost(t, s, "h1")
	ingest(t, s, host.ID, snap("h1", day(0), []string{"A@1"}, nil), nil)
	boom := errors.New("matcher failed")
	_, err := tryIngest(s, host.ID, snap("h1", day(1), []string{"B@1"}, map[string]string{"/f": "f"}),
		func(context.Context, int64, []store.Obs) ([]store.Hit, error) { return nil, boom })
	wantErr(t, err, boom)
	got, _ := s.Host(ctx, host.ID)
	if got.Snapshots != 1 || got.Software != 1 || got.Files != 0 {
		t.Fatalf("failed ingest left a partial snapshot: %+v", got)
	}
	if obs := obsList(t, s, host.ID, fleet.ObsSoftware, true); len(obs) != 1 || !obs[0].Present {
		t.Fatalf("observations after failed ingest: %+v", obs)
	}
}

func testIngestConcurrent(t *testing.T, h Harness) {
	s := fresh(t, h)
	const hosts, rounds = 4, 6
	var wg sync.WaitGroup
	errs := make(chan error, hosts*rounds)
	for i := range hosts {
		uid := fmt.Sprintf("c%d", i)
		hh := mustHost(t, s, uid)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				sw := []string{"Base@1", fmt.Sprintf("Round@%d", r)}
				sn := snap(uid, day(r), sw, map[string]string{"/bin/x": fmt.Sprint(r % 2)})
				in := &store.Incoming{HostID: hh.ID, UploadID: fmt.Sprintf("%s-%d", uid, r), Kind: store.KindFull, Snapshot: sn, Received: day(r)}
				if _, err := s.Ingest(ctx, in, matchSoftware("Round", 50)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list, _, _ := s.ListHosts(ctx, store.HostQuery{})
	for _, hh := range list {
		if hh.Snapshots != rounds || hh.Software != 2 || hh.Files != 1 {
			t.Errorf("host %s after concurrent ingest: %+v", hh.UID, hh)
		}
		if n := len(obsList(t, s, hh.ID, fleet.ObsSoftware, true)); n != rounds+1 {
			t.Errorf("host %s: %d software observations, want %d", hh.UID, n, rounds+1)
		}
	}
}
