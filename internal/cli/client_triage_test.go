package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestClientTriageCommands assigns, comments, changes state in bulk and
// exports through the commands, against a server with four findings.
func TestClientTriageCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, url, tok := testFleetServer(t, dir)
	var ids []string
	for i := range 4 {
		uid := fmt.Sprintf("pc-%d", i)
		h, _ := st.EnsureHost(ctx, snapshot.Host{ID: uid, Name: uid}, nil, time.Now())
		sn := &snapshot.Snapshot{Schema: snapshot.Schema, ID: uid, Host: snapshot.Host{ID: uid, Name: uid, CollectedAt: time.Now()},
			Software: []snapshot.Software{{Name: "X_TRADER", Version: "7.17"}}}
		match := func(_ context.Context, _ int64, obs []store.Obs) ([]store.Hit, error) {
			var hits []store.Hit
			for _, o := range obs {
				if o.Software != nil {
					f := finding.Finding{ID: "f-" + uid, Host: uid, Title: "X_TRADER installed", Score: 90, Level: finding.LevelOf(90),
						Reasons: []finding.Reason{{Kind: "advisory", IndicatorID: "adv-1", Score: 90}}}
					hits = append(hits, store.Hit{Finding: f, HostID: o.HostID, ObsID: o.ID, ObsKind: o.Kind})
				}
			}
			return hits, nil
		}
		if _, err := st.Ingest(ctx, &store.Incoming{HostID: h.ID, UploadID: uid, Kind: store.KindFull, Snapshot: sn, Received: time.Now()}, match); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, "f-"+uid)
	}
	conn := []string{"--server", url, "--token-file", tok}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return run(t, slices.Concat([]string{"client"}, args[:1], conn, args[1:])...)
	}
	if code, out, se := cli("assign", ids[0], "bob"); code != 0 || !strings.Contains(out, "assigned to bob") {
		t.Fatalf("assign: %d %q %q", code, out, se)
	}
	if code, _, se := cli("assign", ids[0]); code != 2 {
		t.Fatalf("assign without a person: %d %q", code, se)
	}
	if code, out, se := cli("comment", ids[0], "line one\x1b[31m"); code != 0 || !strings.Contains(out, "note 2 added") {
		t.Fatalf("comment: %d %q %q", code, out, se)
	}
	code, out, se := cli("notes", ids[0])
	if code != 0 || !strings.Contains(out, "assigned to bob (by ") || !strings.Contains(out, `line one\x1b[31m`) || strings.Contains(out, "\x1b") {
		t.Fatalf("notes: %d %q %q", code, out, se)
	}
	if code, _, se := cli("comment", "--incident", "no-such", "x"); code == 0 || !strings.Contains(se, "not found") {
		t.Fatalf("comment on an unknown incident: %d %q", code, se)
	}
	if code, out, se := cli("bulk-state", "--to", "acknowledged", "--reason", "triage", ids[0], ids[1]); code != 0 || !strings.Contains(out, "2 findings set to acknowledged, 0 already were") {
		t.Fatalf("bulk by ids: %d %q %q", code, out, se)
	}
	if code, out, se := cli("bulk-state", "--to", "resolved", "--reason", "reimaged", "--all", "--state", "new"); code != 0 || !strings.Contains(out, "2 findings set to resolved") {
		t.Fatalf("bulk by filter: %d %q %q", code, out, se)
	}
	if code, _, se := cli("bulk-state", "--to", "resolved", "--all", ids[0]); code != 2 {
		t.Fatalf("ids and --all: %d %q", code, se)
	}
	code, out, se = cli("export", "--format", "csv", "--assignee", "bob")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 2 || rows[1][0] != ids[0] || rows[1][3] != fleet.StateAcknowledged {
		t.Fatalf("export csv: %d %v %q %q", code, err, out, se)
	}
	stix := filepath.Join(dir, "out.json")
	if code, _, se := cli("export", "--format", "stix", "--state", "resolved", "-o", stix); code != 0 {
		t.Fatalf("export stix: %d %q", code, se)
	}
	raw, _ := os.ReadFile(stix)
	var b struct{ Objects []map[string]any }
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("stix: %v\n%s", err, raw)
	}
	var sighted []string
	for _, o := range b.Objects {
		if o["type"] == "sighting" {
			sighted = append(sighted, o["x_cascade_finding_id"].(string))
		}
	}
	slices.Sort(sighted)
	if !slices.Equal(sighted, ids[2:]) {
		t.Fatalf("stix sightings of %v, want %v", sighted, ids[2:])
	}
	if code, _, _ := cli("export", "--format", "xml"); code != 2 {
		t.Fatalf("bad format: %d", code)
	}
}
