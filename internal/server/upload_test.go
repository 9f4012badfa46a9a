package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func fullUpload(snap *snapshot.Snapshot) *fleet.Upload {
	return &fleet.Upload{UploadID: "up-" + newID(), Snapshot: snap}
}

func TestAgentUploads(t *testing.T) {
	x := newHTTP(t, nil, func(c *Config) { c.MaxUpload = 64 << 10; c.MaxSnapshot = 1 << 20 })
	agent, hostID := x.enroll(t, "m1")
	other, otherID := x.enroll(t, "m2")
	s0 := hostSnap("m1", day(0), []snapshot.Software{office, xtrader}, nil)
	up := fullUpload(s0)
	r0, err := agent.Upload(bg, up)
	if err != nil || r0.Opened != 7 || r0.Duplicate {
		t.Fatalf("first upload: %+v %v", r0, err)
	}
	// A retry of the same upload is accepted once.
	r0b, err := agent.Upload(bg, up)
	if err != nil || !r0b.Duplicate || r0b.SnapshotID != r0.SnapshotID {
		t.Fatalf("retry: %+v %v", r0b, err)
	}
	// A delta on the acknowledged snapshot.
	s1 := hostSnap("m1", day(1), []snapshot.Software{office}, nil)
	fleet.Dedup(s0)
	fleet.Dedup(s1)
	d := fleet.MakeDelta(s0, s1, r0.SnapshotID)
	r1, err := agent.Upload(bg, &fleet.Upload{UploadID: "up-" + newID(), Delta: d})
	if err != nil || r1.Closed != 1 || r1.Opened != 0 {
		t.Fatalf("delta: %+v %v", r1, err)
	}
	// The same delta again (new upload id) is not newer; a newer delta on
	// the old base does not apply.
	_, err = agent.Upload(bg, &fleet.Upload{UploadID: "up-" + newID(), Delta: d})
	if fleetclient.Status(err) != 409 || fleetclient.IsCode(err, fleet.CodeBaseMismatch) {
		t.Fatalf("replayed delta: %v", err)
	}
	s2 := hostSnap("m1", day(2), nil, nil)
	fleet.Dedup(s2)
	_, err = agent.Upload(bg, &fleet.Upload{UploadID: "up-" + newID(), Delta: fleet.MakeDelta(s0, s2, r0.SnapshotID)})
	if !fleetclient.IsCode(err, fleet.CodeBaseMismatch) {
		t.Fatalf("delta on an old base: %v", err)
	}
	before, _ := x.s.st.Host(bg, hostID)
	refused := []struct {
		name   string
		client *fleetclient.Client
		up     *fleet.Upload
		status int
	}{
		{"forged host id", agent, fullUpload(hostSnap("m2", day(5), nil, nil)), 403},
		{"another agent writing m1", other, fullUpload(hostSnap("m1", day(5), nil, nil)), 403},
		{"stale snapshot", agent, fullUpload(hostSnap("m1", day(1), nil, nil)), 409},
		{"bad schema", agent, fullUpload(&snapshot.Snapshot{Schema: "x", Host: snapshot.Host{ID: "m1", CollectedAt: day(6)}}), 400},
		{"bad digest", agent, fullUpload(func() *snapshot.Snapshot {
			s := hostSnap("m1", day(6), nil, nil)
			s.Files[0].SHA256 = "zz"
			return s
		}()), 400},
		{"future", agent, fullUpload(hostSnap("m1", time.Now().Add(48*time.Hour), nil, nil)), 400},
		{"bad upload id", agent, &fleet.Upload{UploadID: "x", Snapshot: hostSnap("m1", day(6), nil, nil)}, 400},
		{"neither", agent, &fleet.Upload{UploadID: "up-" + newID()}, 400},
	}
	for _, tc := range refused {
		_, err := tc.client.Upload(bg, tc.up)
		if fleetclient.Status(err) != tc.status {
			t.Errorf("%s: %v, want status %d", tc.name, err, tc.status)
		}
	}
	v := x.ts.URL + fleet.APIVersion + "/snapshots"
	big := hostSnap("m1", day(7), nil, nil)
	for i := range 3000 {
		big.Files = append(big.Files, snapshot.File{Path: strings.Repeat("x", 100) + string(rune('a'+i%26)), Size: int64(i)})
	}
	bigJSON, _ := json.Marshal(fullUpload(big))
	if code, body := rawRequest(t, "POST", v, agent.Token, bigJSON, nil); code != 413 {
		t.Errorf("oversized body: %d %s", code, body)
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"upload_id":"bomb-bomb-1","snapshot":{"schema":"` + strings.Repeat(" ", 2<<20) + `"}}`))
	zw.Close()
	if code, body := rawRequest(t, "POST", v, agent.Token, bomb.Bytes(), map[string]string{"Content-Encoding": "gzip"}); code != 413 {
		t.Errorf("decompression bomb: %d %s", code, body)
	}
	if code, _ := rawRequest(t, "POST", v, agent.Token, []byte(`{"upload_id":`), nil); code != 400 {
		t.Errorf("truncated JSON: %d", code)
	}
	if code, _ := rawRequest(t, "POST", v, agent.Token, []byte(`x`), map[string]string{"Content-Encoding": "br"}); code != 415 {
		t.Errorf("unknown encoding: %d", code)
	}
	after, _ := x.s.st.Host(bg, hostID)
	if after.Snapshots != before.Snapshots || after.SnapshotID != before.SnapshotID {
		t.Fatalf("a refused upload changed the host: %+v → %+v", before, after)
	}
	if h, _ := x.s.st.Host(bg, otherID); h.Snapshots != 0 {
		t.Fatal("a forged upload was stored for the other host")
	}
	// A shared enrollment token cannot re-enroll an enrolled host; a
	// token an admin bound to it can, and that revokes the old agent token.
	et := x.token(t, fleet.TokenEnroll, nil)
	if _, err := x.client(et).Enroll(bg, snapshot.Host{ID: "m1", Name: "pc-m1"}); fleetclient.Status(err) != 409 {
		t.Fatalf("shared token re-enrolling m1: %v, want 409", err)
	}
	bound, err := x.client(x.admin).HostEnrollToken(bg, hostID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.client(bound.Secret).Enroll(bg, snapshot.Host{ID: "m1", Name: "pc-m1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Upload(bg, fullUpload(hostSnap("m1", day(9), nil, nil))); fleetclient.Status(err) != 401 {
		t.Fatalf("old agent token after re-enrollment: %v", err)
	}
	// Enrollment tokens run out.
	once := x.token(t, fleet.TokenEnroll, func(r *fleet.TokenRequest) { r.Uses = 1; r.HostRoles = []string{"build"} })
	res, err := x.client(once).Enroll(bg, snapshot.Host{ID: "b1", Name: "builder"})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := x.s.st.Host(bg, res.HostID); len(h.Roles) != 1 || h.Roles[0] != "build" {
		t.Fatalf("roles from the enrollment token: %v", h.Roles)
	}
	if _, err := x.client(once).Enroll(bg, snapshot.Host{ID: "b2"}); fleetclient.Status(err) != 401 {
		t.Fatalf("used-up enrollment token: %v", err)
	}
	audit, _ := x.s.st.AuditLog(bg, 100, 0)
	if !hasAction(audit, "host.enroll") || !hasAction(audit, "token.create") {
		t.Fatalf("audit log lacks enrollments or token creation: %+v", audit)
	}
}

func hasAction(log []fleet.AuditEntry, action string) bool {
	for _, e := range log {
		if e.Action == action {
			return true
		}
	}
	return false
}
