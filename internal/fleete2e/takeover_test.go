package fleete2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/agent"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestStolenEnrollTokenCannotTakeOverAHost: an attacker holding the
// fleet's shared enrollment token (a stolen laptop) enrolls with an
// enrolled host's id and uploads an empty snapshot. The server refuses
// the enrollment (409), audits it with the token and address, marks the
// host for analysts, and the real agent keeps uploading with its history
// untouched. Only an admin's host-bound token re-enrolls the host.
func TestStolenEnrollTokenCannotTakeOverAHost(t *testing.T) {
	engines(t, func(t *testing.T, open func(*testing.T) store.Store, _ string) {
		l := startServer(t, open(t), nil)
		enroll := l.enrollToken(t)
		const uid = "ws-trader"
		states := machines()[uid]
		real, err := agent.New(bg, agent.Options{Server: l.url, TLS: l.tls, EnrollToken: enroll, StateDir: t.TempDir(), Once: true,
			Host: func() snapshot.Host { return snapshot.Host{ID: uid, Name: uid, OS: "windows"} }, Collect: fixtureCollector(uid, states),
			RetryMin: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := real.Run(bg); err != nil {
				t.Fatal(err)
			}
		}
		admin := l.client(l.admin)
		before := observations(t, admin, real.HostID())

		// The attacker: the same shared token, the victim's host id.
		_, err = l.client(enroll).Enroll(bg, snapshot.Host{ID: uid, Name: "attacker", OS: "linux"})
		if fleetclient.Status(err) != 409 || !strings.Contains(err.Error(), "host_enrolled") && !strings.Contains(err.Error(), "already enrolled") {
			t.Fatalf("enrollment with an enrolled host's id: %v, want 409 host_enrolled", err)
		}

		// The real agent is not silenced and its history is intact.
		if err := real.Run(bg); err != nil {
			t.Fatalf("the real agent after the attempt: %v", err)
		}
		after := observations(t, admin, real.HostID())
		for key, o := range before {
			a, ok := after[key]
			if !ok || !a.FirstSeen.Equal(o.FirstSeen) {
				t.Errorf("observation %s changed: %+v -> %+v", key, o, a)
			}
		}
		h := hostOf(t, admin, uid)
		if h.Name != uid || h.OS != "windows" || h.Snapshots != 3 || h.EnrollRefused != 1 || h.EnrollRefusedAt.IsZero() {
			t.Fatalf("host after the attempt: %+v", h)
		}

		// Audited with the token and the claimed id, visible to admins;
		// the marker is visible to analysts.
		var audit struct{ Audit []fleet.AuditEntry }
		if err := admin.Get(bg, fleet.APIVersion+"/audit", nil, &audit); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range audit.Audit {
			if e.Action == "host.enroll_refused" {
				found = strings.Contains(e.Detail, fmt.Sprintf("%q", uid)) && strings.Contains(e.Target, uid) && strings.HasPrefix(e.Remote, "127.0.0.1:")
			}
		}
		if !found {
			t.Fatalf("no audit record of the refused enrollment: %+v", audit.Audit)
		}
		analyst := l.client(tokenFor(t, l, fleet.TokenAnalyst))
		var seen fleet.Host
		if err := analyst.Get(bg, fmt.Sprintf("%s/hosts/%d", fleet.APIVersion, h.ID), nil, &seen); err != nil || seen.EnrollRefused != 1 {
			t.Fatalf("analyst's view of the host: %+v %v", seen, err)
		}

		// An admin's explicit consent: a token bound to this host, used once.
		tc, err := admin.HostEnrollToken(bg, h.ID)
		if err != nil || tc.Token.HostID != h.ID || tc.Token.UsesLeft != 1 {
			t.Fatalf("host-bound token: %+v %v", tc, err)
		}
		if _, err := l.client(tc.Secret).Enroll(bg, snapshot.Host{ID: "ws-hr"}); fleetclient.Status(err) != 401 {
			t.Fatalf("a host-bound token enrolled another host: %v", err)
		}
		res, err := l.client(tc.Secret).Enroll(bg, snapshot.Host{ID: uid, Name: uid, OS: "windows"})
		if err != nil || res.HostID != h.ID {
			t.Fatalf("re-enrollment with the host-bound token: %+v %v", res, err)
		}
		if err := real.Run(bg); err == nil {
			t.Fatalf("the replaced credential still works: %v", err)
		}
		if got := observations(t, admin, h.ID); len(got) < len(before) {
			t.Fatalf("re-enrollment rewrote history: %d observations, had %d", len(got), len(before))
		}
	})
}

// observations is a host's software and file history by key.
func observations(t *testing.T, c *fleetclient.Client, hostID int64) map[string]fleet.Observation {
	t.Helper()
	out := map[string]fleet.Observation{}
	for _, kind := range []string{"software", "file"} {
		var obs struct{ Observations []fleet.Observation }
		if err := c.Get(bg, fmt.Sprintf("%s/hosts/%d/observations", fleet.APIVersion, hostID), map[string][]string{"kind": {kind}, "history": {"1"}, "limit": {"1000"}}, &obs); err != nil {
			t.Fatal(err)
		}
		for _, o := range obs.Observations {
			out[fmt.Sprintf("%s/%d", kind, o.ID)] = o
		}
	}
	if len(out) == 0 {
		t.Fatal("no observations")
	}
	return out
}

// TestTokenFloodFromOneHost: a compromised machine (127.0.0.2) floods
// the server with made-up tokens. It is refused with 429 after ten
// failures, the audit log gets a few records, not hundreds, and an agent
// on another address (127.0.0.1) keeps uploading throughout.
func TestTokenFloodFromOneHost(t *testing.T) {
	engines(t, func(t *testing.T, open func(*testing.T) store.Store, _ string) {
		l := startServer(t, open(t), nil)
		const uid = "ws-hr"
		states := machines()[uid]
		real, err := agent.New(bg, agent.Options{Server: l.url, TLS: l.tls, EnrollToken: l.enrollToken(t), StateDir: t.TempDir(), Once: true,
			Host: func() snapshot.Host { return snapshot.Host{ID: uid, Name: uid, OS: "windows"} }, Collect: fixtureCollector(uid, states),
			RetryMin: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := real.Run(bg); err != nil {
			t.Fatal(err)
		}
		attacker := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: l.tls,
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}).DialContext}}
		defer attacker.CloseIdleConnections()
		codes := map[int]int{}
		for i := range 200 {
			req, _ := http.NewRequest("POST", l.url+fleet.APIVersion+"/snapshots", strings.NewReader("{}"))
			req.Header.Set("Authorization", fmt.Sprintf("Bearer cascade_guess%040d", i))
			resp, err := attacker.Do(req)
			if err != nil {
				t.Skipf("cannot send from 127.0.0.2 here: %v", err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[resp.StatusCode]++
			if i == 100 {
				// The real agent, mid-flood, from its own address.
				if err := real.Run(bg); err != nil {
					t.Fatalf("the real agent during the flood: %v", err)
				}
			}
		}
		if codes[401] != 10 || codes[429] != 190 {
			t.Fatalf("answers to the flood: %v, want 10×401 then 190×429", codes)
		}
		if h := hostOf(t, l.client(l.admin), uid); h.Snapshots != 2 {
			t.Fatalf("the real agent's snapshots: %d, want 2", h.Snapshots)
		}
		var audit struct{ Audit []fleet.AuditEntry }
		if err := l.client(l.admin).Get(bg, fleet.APIVersion+"/audit", map[string][]string{"limit": {"1000"}}, &audit); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range audit.Audit {
			if strings.HasPrefix(e.Action, "auth.") {
				n++
				if !strings.HasPrefix(e.Remote, "127.0.0.2:") {
					t.Errorf("failure audited for %s", e.Remote)
				}
			}
		}
		if n < 1 || n > 3 {
			t.Fatalf("%d audit records for 200 failed tokens", n)
		}
	})
}

// TestRepeatedTakeoverAttemptsAreLimited: a host retrying the takeover
// is refused 409 and then, its address over the failure limit, 429; the
// audit log holds at most one record per attempt that got through.
func TestRepeatedTakeoverAttemptsAreLimited(t *testing.T) {
	engines(t, func(t *testing.T, open func(*testing.T) store.Store, _ string) {
		l := startServer(t, open(t), nil)
		enroll := l.enrollToken(t)
		if _, err := l.client(enroll).Enroll(bg, snapshot.Host{ID: "victim", Name: "victim"}); err != nil {
			t.Fatal(err)
		}
		codes := map[int]int{}
		for range 50 {
			_, err := l.client(enroll).Enroll(bg, snapshot.Host{ID: "victim", Name: "attacker"})
			codes[fleetclient.Status(err)]++
		}
		if codes[409] != 10 || codes[429] != 40 {
			t.Fatalf("answers to 50 takeover attempts: %v, want 10×409 then 40×429", codes)
		}
		// (The admin shares 127.0.0.1 with the attacker here, and is
		// limited with it: read the store.)
		log, err := l.srv.Store().AuditLog(bg, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range log {
			if e.Action == "host.enroll_refused" {
				n++
			}
		}
		if n != 10 {
			t.Fatalf("%d audit records of refused enrollments, want 10", n)
		}
		if h, err := l.srv.Store().HostByUID(bg, "victim"); err != nil || h.EnrollRefused != 10 || h.Name != "victim" {
			t.Fatalf("the host after the attempts: %+v %v", h, err)
		}
	})
}
