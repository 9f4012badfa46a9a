package fleete2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// crashEngines runs fn for SQLite (a data directory) and PostgreSQL.
func crashEngines(t *testing.T, fn func(t *testing.T, data, dsn string)) {
	if testing.Short() {
		t.Skip("fault tests start and kill server processes")
	}
	engines(t, func(t *testing.T, _ func(*testing.T) store.Store, dsn string) {
		fn(t, t.TempDir(), dsn)
	})
}

// TestKillDuringIngest kills the server inside a snapshot's transaction:
// after restart the snapshot is either wholly absent or wholly there, and
// the agent's retry with the same upload id is stored exactly once.
func TestKillDuringIngest(t *testing.T) {
	crashEngines(t, func(t *testing.T, data, dsn string) {
		c := spawn(t, data, dsn, 0)
		admin := fleetclient.New(c.url, adminToken(t, data), nil)
		tc, err := admin.CreateToken(bg, fleet.TokenRequest{Name: "e", Role: fleet.TokenEnroll})
		if err != nil {
			t.Fatal(err)
		}
		res, err := fleetclient.New(c.url, tc.Secret, nil).Enroll(bg, snapshot.Host{ID: "big", Name: "big"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 20000
		snap := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: "big", Name: "big", CollectedAt: day(1)}}
		for i := range n {
			snap.Files = append(snap.Files, snapshot.File{Path: fmt.Sprintf("/srv/data/%06d.bin", i), Size: int64(i), SHA256: fmt.Sprintf("%064x", i)})
		}
		up := &fleet.Upload{UploadID: "crash-upload-1", Snapshot: snap}
		errc := make(chan error, 1)
		go func() { _, err := fleetclient.New(c.url, res.Token, nil).Upload(bg, up); errc <- err }()
		c.await(t, 2*time.Minute, func(l string) bool { return l == "INGESTING" })
		c.kill()
		if err := <-errc; err == nil {
			t.Fatal("the upload succeeded although the server was killed inside it")
		}
		c2 := spawn(t, data, dsn, 0)
		admin = fleetclient.New(c2.url, adminToken(t, data), nil)
		h := hostOf(t, admin, "big")
		if h.Snapshots != 0 || h.Files != 0 {
			t.Fatalf("a killed ingest left a partial snapshot: %+v", h)
		}
		var obs struct{ Observations []fleet.Observation }
		if err := admin.Get(bg, fmt.Sprintf("%s/hosts/%d/observations", fleet.APIVersion, h.ID), map[string][]string{"kind": {"file"}, "history": {"1"}}, &obs); err != nil || len(obs.Observations) != 0 {
			t.Fatalf("observations after a killed ingest: %d %v", len(obs.Observations), err)
		}
		agent := fleetclient.New(c2.url, res.Token, nil)
		r1, err := agent.Upload(bg, up)
		if err != nil || r1.Duplicate || r1.Opened != n {
			t.Fatalf("retry after the crash: %+v %v", r1, err)
		}
		r2, err := agent.Upload(bg, up)
		if err != nil || !r2.Duplicate {
			t.Fatalf("second retry: %+v %v", r2, err)
		}
		if h := hostOf(t, admin, "big"); h.Snapshots != 1 || h.Files != n {
			t.Fatalf("after retries: %+v", h)
		}
	})
}

// TestKillDuringHunt kills the server in the middle of a retro-hunt: a
// new process resumes it where the last commit left off and no finding
// is lost or doubled.
func TestKillDuringHunt(t *testing.T) {
	crashEngines(t, func(t *testing.T, data, dsn string) {
		c := spawn(t, data, dsn, 4)
		admin := fleetclient.New(c.url, adminToken(t, data), nil)
		const hosts = 40
		res := startHunt(t, admin, hosts)
		for range 2 {
			c.await(t, 2*time.Minute, func(l string) bool { return strings.HasPrefix(l, "HUNT commit") })
		}
		c.kill()
		c2 := spawn(t, data, dsn, 4)
		admin = fleetclient.New(c2.url, adminToken(t, data), nil)
		mid, err := admin.Hunt(bg, res.HuntID)
		if err != nil || mid.Status == fleet.HuntDone || mid.Findings == 0 {
			t.Fatalf("hunt after the kill: %+v %v (the kill should land mid-hunt)", mid, err)
		}
		start := c2.await(t, 2*time.Minute, func(l string) bool { return strings.HasPrefix(l, "HUNT start") })
		if f := strings.Fields(start); len(f) != 5 || f[4] == "" {
			t.Fatalf("the hunt restarted from the beginning: %q", start)
		}
		done := waitHunt(t, admin, res.HuntID, 60*time.Second)
		list, err := admin.Findings(bg, map[string][]string{"limit": {"1000"}})
		if err != nil || list.Total != hosts/2 || done.Findings != int64(hosts/2) {
			t.Fatalf("findings after resuming: %d (hunt %+v) %v", list.Total, done, err)
		}
	})
}

// TestRestartReclaimsOwnLease kills a server holding a hunt's ten-minute
// lease: restarted on the same data directory it is the same instance
// and resumes the hunt at once, while (PostgreSQL) another replica keeps
// off it until the lease runs out.
func TestRestartReclaimsOwnLease(t *testing.T) {
	crashEngines(t, func(t *testing.T, data, dsn string) {
		const lease = 10 * time.Minute
		c := spawnLease(t, data, dsn, 4, lease)
		admin := fleetclient.New(c.url, adminToken(t, data), nil)
		const hosts = 40
		res := startHunt(t, admin, hosts)
		for range 2 {
			c.await(t, 2*time.Minute, func(l string) bool { return strings.HasPrefix(l, "HUNT commit") })
		}
		c.kill()
		if dsn != "" {
			other := spawnLease(t, t.TempDir(), dsn, 4, lease)
			if l, ok := other.within(2*time.Second, func(l string) bool { return strings.HasPrefix(l, "HUNT start") }); ok {
				t.Fatalf("another replica took a hunt whose lease runs: %q", l)
			}
			other.kill()
		}
		began := time.Now()
		c2 := spawnLease(t, data, dsn, 4, lease)
		start := c2.await(t, 20*time.Second, func(l string) bool { return strings.HasPrefix(l, "HUNT start") })
		if f := strings.Fields(start); len(f) != 5 || f[4] == "" {
			t.Fatalf("the hunt restarted from the beginning: %q", start)
		}
		t.Logf("restarted instance resumed its hunt %v after starting", time.Since(began).Round(time.Millisecond))
		admin = fleetclient.New(c2.url, adminToken(t, data), nil)
		done := waitHunt(t, admin, res.HuntID, 60*time.Second)
		if list, err := admin.Findings(bg, map[string][]string{"limit": {"1000"}}); err != nil || list.Total != hosts/2 || done.Findings != hosts/2 {
			t.Fatalf("findings after resuming: %d (hunt %+v) %v", list.Total, done, err)
		}
	})
}

// startHunt imports hosts (every other one with X_TRADER) and the
// X_TRADER intel, which queues a hunt.
func startHunt(t *testing.T, admin *fleetclient.Client, hosts int) fleet.IntelImported {
	t.Helper()
	for i := range hosts {
		uid := fmt.Sprintf("ws-%02d", i)
		sw := []snapshot.Software{office}
		if i%2 == 0 {
			sw = append(sw, xtrader)
		}
		snap := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: uid, Name: uid, OS: "windows", CollectedAt: day(1)}, Software: sw}
		b, _ := jsonMarshal(snap)
		if _, err := admin.ImportSnapshot(bg, b, map[string][]string{"name": {uid}}); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "server", "testdata", "xtrader.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := admin.ImportIntel(bg, "xtrader.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func hostOf(t *testing.T, c *fleetclient.Client, uid string) fleet.Host {
	t.Helper()
	list, err := c.Hosts(bg, map[string][]string{"q": {uid}})
	if err != nil || len(list.Hosts) != 1 {
		t.Fatalf("host %s: %+v %v", uid, list, err)
	}
	return list.Hosts[0]
}
