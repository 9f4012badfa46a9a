package agent

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

var bg = context.Background()

// rig is a server on loopback whose answers a test can break.
type rig struct {
	srv   *server.Server
	st    store.Store
	ts    *httptest.Server
	admin string
	// down answers 503 to every request; lose stores an upload and then
	// answers 502, as if the answer were lost on the way back.
	down, lose atomic.Bool
	uploads    atomic.Int64
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{srv: srv, st: st}
	if r.admin, err = srv.Bootstrap(bg); err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	r.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == fleet.APIVersion+"/snapshots" {
			r.uploads.Add(1)
		}
		switch {
		case r.down.Load():
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			fmt.Fprint(w, `{"error":{"code":"unavailable","message":"database unavailable"}}`)
		case r.lose.Load() && req.URL.Path == fleet.APIVersion+"/snapshots":
			r.lose.Store(false)
			h.ServeHTTP(httptest.NewRecorder(), req)
			w.WriteHeader(502)
		default:
			h.ServeHTTP(w, req)
		}
	}))
	t.Cleanup(r.ts.Close)
	return r
}

func (r *rig) enrollToken(t *testing.T) string {
	t.Helper()
	tc, err := fleetclient.New(r.ts.URL, r.admin, nil).CreateToken(bg, fleet.TokenRequest{Name: "e", Role: fleet.TokenEnroll})
	if err != nil {
		t.Fatal(err)
	}
	return tc.Secret
}

// machine is a fake host whose software changes between collections.
type machine struct {
	uid   string
	round atomic.Int64
}

func (m *machine) host() snapshot.Host {
	return snapshot.Host{ID: m.uid, Name: "pc-" + m.uid, OS: "linux"}
}

func (m *machine) collect(context.Context) (*snapshot.Snapshot, error) {
	n := m.round.Add(1)
	s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: m.host()}
	s.Host.CollectedAt = time.Now().UTC()
	s.Software = []snapshot.Software{{Name: "base", Version: "1", Ecosystem: "dpkg", Source: "dpkg"},
		{Name: "tool", Version: fmt.Sprint(n), Ecosystem: "dpkg", Source: "dpkg"}}
	for i := range 50 {
		s.Files = append(s.Files, snapshot.File{Path: fmt.Sprintf("/usr/bin/f%d", i), Size: 1, SHA256: fmt.Sprintf("%064x", i+1)})
	}
	time.Sleep(2 * time.Millisecond) // collection times must increase
	return s, nil
}

func newAgent(t *testing.T, r *rig, m *machine, dir string, mod func(*Options)) *Agent {
	t.Helper()
	opt := Options{Server: r.ts.URL, EnrollToken: r.enrollToken(t), StateDir: dir, Once: true, Host: m.host,
		Collect: m.collect, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond}
	if mod != nil {
		mod(&opt)
	}
	a, err := New(bg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (r *rig) host(t *testing.T, a *Agent) fleet.Host {
	t.Helper()
	h, err := r.st.Host(bg, a.HostID())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEnrollUploadDelta(t *testing.T) {
	r := newRig(t)
	m := &machine{uid: "m1"}
	dir := t.TempDir()
	a := newAgent(t, r, m, dir, nil)
	info, err := os.Stat(filepath.Join(dir, "credential.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credential file: %v %v", info, err)
	}
	for range 3 {
		if err := a.Run(bg); err != nil {
			t.Fatal(err)
		}
	}
	h := r.host(t, a)
	if h.Snapshots != 3 || h.Software != 2 || h.Files != 50 {
		t.Fatalf("host after 3 runs: %+v", h)
	}
	snaps, _ := r.st.Snapshots(bg, h.ID, 10)
	if snaps[0].Kind != store.KindDelta || snaps[2].Kind != store.KindFull || snaps[0].Opened != 1 || snaps[0].Closed != 1 {
		t.Fatalf("snapshot kinds: %+v", snaps)
	}
	// A second agent process on the same state directory does not enroll again.
	if _, err := New(bg, Options{Server: r.ts.URL, StateDir: dir, Once: true, Host: m.host, Collect: m.collect}); err != nil {
		t.Fatalf("reopen without an enrollment token: %v", err)
	}
	if _, err := New(bg, Options{Server: "https://elsewhere.invalid", StateDir: dir, Once: true}); err == nil {
		t.Fatal("a state directory enrolled elsewhere was accepted")
	}
}

func TestLostAnswerIsStoredOnce(t *testing.T) {
	r := newRig(t)
	a := newAgent(t, r, &machine{uid: "m1"}, t.TempDir(), nil)
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	r.lose.Store(true)
	before := r.uploads.Load()
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	if n := r.uploads.Load() - before; n != 2 {
		t.Fatalf("%d upload requests, want 2 (the lost one and its retry)", n)
	}
	if h := r.host(t, a); h.Snapshots != 2 {
		t.Fatalf("snapshots stored: %d, want 2", h.Snapshots)
	}
	// The agent recorded the server's id from the duplicate answer: the
	// next upload is a delta that applies.
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	snaps, _ := r.st.Snapshots(bg, a.HostID(), 1)
	if snaps[0].Kind != store.KindDelta {
		t.Fatalf("after a retried upload the next is %s", snaps[0].Kind)
	}
}

func TestOfflineQueue(t *testing.T) {
	r := newRig(t)
	dir := t.TempDir()
	a := newAgent(t, r, &machine{uid: "m1"}, dir, nil)
	r.down.Store(true)
	for range 5 {
		if err := a.Run(bg); err == nil {
			t.Fatal("an upload to a server that is down succeeded")
		}
	}
	items, _ := a.state.queued()
	if len(items) != 5 {
		t.Fatalf("queued %d, want 5", len(items))
	}
	// The cap drops the oldest snapshots, never the newest.
	a.opt.QueueCap = items[0].size * 3
	if err := a.Run(bg); err == nil {
		t.Fatal("server still down")
	}
	if items, _ = a.state.queued(); len(items) > 4 || len(items) < 2 {
		t.Fatalf("queue after the cap: %d entries", len(items))
	}
	r.down.Store(false)
	if err := a.Drain(bg); err != nil {
		t.Fatal(err)
	}
	h := r.host(t, a)
	if h.Snapshots != len(items) {
		t.Fatalf("stored %d snapshots, want %d", h.Snapshots, len(items))
	}
	if rest, _ := a.state.queued(); len(rest) != 0 {
		t.Fatalf("%d left in the queue", len(rest))
	}
}

func TestBaseMismatchFallsBackToFull(t *testing.T) {
	r := newRig(t)
	a := newAgent(t, r, &machine{uid: "m1"}, t.TempDir(), nil)
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	last, _ := a.state.loadLast()
	last.SnapshotID = "not-the-servers"
	a.state.saveLast(last)
	if err := a.Run(bg); err != nil {
		t.Fatal(err)
	}
	snaps, _ := r.st.Snapshots(bg, a.HostID(), 1)
	if snaps[0].Kind != store.KindFull {
		t.Fatalf("fallback upload was %s", snaps[0].Kind)
	}
}

func TestRevokedCredential(t *testing.T) {
	r := newRig(t)
	a := newAgent(t, r, &machine{uid: "m1"}, t.TempDir(), nil)
	toks, _ := r.st.ListTokens(bg)
	for _, tk := range toks {
		if tk.Role == fleet.TokenAgent {
			r.st.RevokeToken(bg, tk.ID)
		}
	}
	if err := a.Run(bg); err != ErrCredentialRefused {
		t.Fatalf("run with a revoked credential: %v", err)
	}
}
