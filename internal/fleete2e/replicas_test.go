package fleete2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
)

// TestTwoReplicas runs two servers on one PostgreSQL database: an agent's
// uploads alternate between them (each delta's base came from the other),
// intel is imported through one and hunted by whichever claims it, and a
// token revoked through one is refused by the other once its short cache
// expires.
func TestTwoReplicas(t *testing.T) {
	dsn := pgtest.Database(t)
	var ls []*live
	for i := range 2 {
		st, err := postgres.Open(bg, dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ls = append(ls, startServer(t, st, func(c *server.Config) { c.Owner = fmt.Sprintf("replica-%d", i) }))
	}
	admin := ls[0].admin
	if ls[1].admin != "" {
		t.Fatal("the second replica bootstrapped another admin token")
	}
	tc, err := ls[0].client(admin).CreateToken(bg, fleet.TokenRequest{Name: "e", Role: fleet.TokenEnroll})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ls[1].client(tc.Secret).Enroll(bg, snapshot.Host{ID: "ws", Name: "ws"})
	if err != nil {
		t.Fatal(err)
	}
	collect := fixtureCollector("ws", machines()["ws-trader"])
	var prev *snapshot.Snapshot
	base := ""
	for i := range 4 {
		cur, _ := collect(bg)
		cur.Host.ID, cur.Host.Name = "ws", "ws"
		fleet.Dedup(cur)
		up := &fleet.Upload{UploadID: fmt.Sprintf("replica-up-%d", i), Snapshot: cur}
		if prev != nil {
			up = &fleet.Upload{UploadID: up.UploadID, Delta: fleet.MakeDelta(prev, cur, base)}
		}
		r, err := ls[i%2].client(res.Token).Upload(bg, up)
		if err != nil {
			t.Fatalf("upload %d to replica %d: %v", i, i%2, err)
		}
		prev, base = cur, r.SnapshotID
	}
	// Replica 0 computes (and caches) the incident overview before the
	// intel arrives; whichever replica hunts, it must show the incident
	// within its cache's age bound.
	if incs, err := ls[0].client(admin).Incidents(bg); err != nil || len(incs) != 0 {
		t.Fatalf("incidents before the import: %+v %v", incs, err)
	}
	doc, _ := os.ReadFile(filepath.Join("..", "server", "testdata", "xtrader.json"))
	imp, err := ls[0].client(admin).ImportIntel(bg, "xtrader.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	h := waitHunt(t, ls[1].client(admin), imp.HuntID, 30*time.Second)
	list, err := ls[1].client(admin).Findings(bg, nil)
	if err != nil || list.Total != 2 || h.Findings != 2 {
		t.Fatalf("findings through the other replica: %d (hunt %d) %v", list.Total, h.Findings, err)
	}
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		incs, err := ls[0].client(admin).Incidents(bg)
		if err == nil && len(incs) == 1 && incs[0].HostsEver == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("incident overview through the other replica, 3 s after the hunt: %+v %v", incs, err)
		}
	}
	an, err := ls[0].client(admin).CreateToken(bg, fleet.TokenRequest{Name: "a", Role: fleet.TokenAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls[1].client(an.Secret).Hosts(bg, nil); err != nil {
		t.Fatal(err)
	}
	var toks struct{ Tokens []fleet.Token }
	ls[0].client(admin).Get(bg, fleet.APIVersion+"/tokens", nil, &toks)
	req := ls[0].client(admin)
	for _, tk := range toks.Tokens {
		if tk.Name == "a" {
			if err := deleteToken(req, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(6 * time.Second) // the other replica's token cache
	if _, err := ls[1].client(an.Secret).Hosts(bg, nil); fleetclient.Status(err) != 401 {
		t.Fatalf("a token revoked on one replica still works on the other: %v", err)
	}
}

func deleteToken(c *fleetclient.Client, id int64) error {
	return c.Delete(bg, fmt.Sprintf("%s/tokens/%d", fleet.APIVersion, id))
}
