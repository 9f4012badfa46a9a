package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

func testAuth(t *testing.T, h Harness) {
	s := fresh(t, h)
	admin := fleet.Token{Name: "bootstrap", Role: fleet.TokenAdmin, Created: day(0), UsesLeft: -1, By: "cascade serve"}
	// A secret that could not be kept leaves nothing behind: the next
	// start makes the first admin token again.
	lost := errors.New("disk full")
	if ok, err := s.Bootstrap(ctx, []byte("h-lost"), admin, func() error { return lost }); ok || !errors.Is(err, lost) {
		t.Fatalf("bootstrap whose secret was not written: %v %v", ok, err)
	}
	if _, err := s.TokenByHash(ctx, []byte("h-lost")); err == nil {
		t.Fatal("the token whose secret was lost is stored")
	}
	persisted := false
	ok, err := s.Bootstrap(ctx, []byte("h-admin"), admin, func() error { persisted = true; return nil })
	if err != nil || !ok || !persisted {
		t.Fatalf("bootstrap: %v %v (persisted %v)", ok, err, persisted)
	}
	if ok, _ := s.Bootstrap(ctx, []byte("h-admin2"), admin, nil); ok {
		t.Fatal("bootstrapped twice")
	}
	got, err := s.TokenByHash(ctx, []byte("h-admin"))
	if err != nil || got.Role != fleet.TokenAdmin || got.Revoked {
		t.Fatalf("token: %+v %v", got, err)
	}
	_, err = s.TokenByHash(ctx, []byte("unknown"))
	wantErr(t, err, store.ErrNotFound)
	enroll, err := s.CreateToken(ctx, []byte("h-enroll"), fleet.Token{Name: "build-farm", Role: fleet.TokenEnroll,
		HostRoles: []string{fleet.RoleBuild}, Created: day(0), Expires: day(2), UsesLeft: 2})
	if err != nil {
		t.Fatal(err)
	}
	hs := snapshot.Host{ID: "m1", Name: "builder1", OS: "linux"}
	host, agent, err := s.Enroll(ctx, []byte("h-enroll"), hs, []byte("h-agent1"), day(1))
	if err != nil || host.UID != "m1" || agent.HostID != host.ID || agent.Role != fleet.TokenAgent || len(host.Roles) != 1 || host.Roles[0] != fleet.RoleBuild {
		t.Fatalf("enroll: %+v %+v %v", host, agent, err)
	}
	// A shared token cannot take over an enrolled host: refused, no use
	// spent, the host's credential and facts untouched, the refusal
	// counted on the host.
	refused, _, err := s.Enroll(ctx, []byte("h-enroll"), snapshot.Host{ID: "m1", Name: "attacker", OS: "windows"}, []byte("h-agent2"), day(1))
	wantErr(t, err, store.ErrHostEnrolled)
	if refused.ID != host.ID {
		t.Fatalf("refused enrollment names host %d, want %d", refused.ID, host.ID)
	}
	if cur, _ := s.TokenByHash(ctx, []byte("h-agent1")); cur.Revoked {
		t.Fatal("a refused enrollment revoked the host's agent token")
	}
	if _, err := s.TokenByHash(ctx, []byte("h-agent2")); err == nil {
		t.Fatal("a refused enrollment stored an agent token")
	}
	if h, _ := s.Host(ctx, host.ID); h.Name != "builder1" || h.OS != "linux" || h.EnrollRefused != 1 || !h.EnrollRefusedAt.Equal(day(1)) {
		t.Fatalf("host after a refused enrollment: %+v", h)
	}
	// A token bound to the host (an admin's explicit action) re-enrolls
	// it and replaces its credential; it enrolls no other host.
	bound, err := s.CreateToken(ctx, []byte("h-bound"), fleet.Token{Name: "reenroll m1", Role: fleet.TokenEnroll, HostID: host.ID, Created: day(0), Expires: day(2), UsesLeft: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Enroll(ctx, []byte("h-bound"), snapshot.Host{ID: "m9"}, []byte("h-agent9"), day(1)); !errors.Is(err, store.ErrInvalidToken) {
		t.Fatalf("a bound token enrolled another host: %v", err)
	}
	host2, _, err := s.Enroll(ctx, []byte("h-bound"), hs, []byte("h-agent2"), day(1))
	if err != nil || host2.ID != host.ID {
		t.Fatalf("re-enroll with a bound token: %+v %v", host2, err)
	}
	if old, _ := s.TokenByHash(ctx, []byte("h-agent1")); !old.Revoked {
		t.Fatal("old agent token not revoked on re-enrollment")
	}
	if _, _, err := s.Enroll(ctx, []byte("h-bound"), hs, []byte("h-agent8"), day(1)); !errors.Is(err, store.ErrInvalidToken) {
		t.Fatalf("a one-use bound token enrolled twice: %v", err)
	}
	_ = bound
	if _, _, err := s.Enroll(ctx, []byte("h-enroll"), snapshot.Host{ID: "m2"}, []byte("h-agent3"), day(1)); err != nil {
		t.Fatalf("second use of the shared token: %v", err)
	}
	_, _, err = s.Enroll(ctx, []byte("h-enroll"), snapshot.Host{ID: "m4"}, []byte("h-agent7"), day(1))
	wantErr(t, err, store.ErrInvalidToken) // used up
	s.CreateToken(ctx, []byte("h-enroll2"), fleet.Token{Name: "x", Role: fleet.TokenEnroll, Created: day(0), Expires: day(1), UsesLeft: -1})
	_, _, err = s.Enroll(ctx, []byte("h-enroll2"), snapshot.Host{ID: "m3"}, []byte("h-agent4"), day(1))
	wantErr(t, err, store.ErrInvalidToken) // expired
	_, _, err = s.Enroll(ctx, []byte("h-admin"), snapshot.Host{ID: "m3"}, []byte("h-agent5"), day(0))
	wantErr(t, err, store.ErrInvalidToken) // not an enrollment token
	if _, err := s.HostByUID(ctx, "m3"); err == nil {
		t.Fatal("a refused enrollment created a host")
	}
	if err := s.CreateSession(ctx, []byte("sess"), got.ID, "csrf-1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, []byte("sess"), time.Now())
	if err != nil || sess.CSRF != "csrf-1" || sess.Token.ID != got.ID {
		t.Fatalf("session: %+v %v", sess, err)
	}
	_, err = s.Session(ctx, []byte("sess"), time.Now().Add(2*time.Hour))
	wantErr(t, err, store.ErrNotFound)
	if err := s.RevokeToken(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Session(ctx, []byte("sess"), time.Now())
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.RevokeToken(ctx, 99999), store.ErrNotFound)
	if err := s.TouchToken(ctx, enroll.ID, day(5)); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 7 {
		t.Fatalf("tokens: %d %v", len(list), err)
	}
	// Resetting the server-made admin token: a failed write changes
	// nothing; a kept one revokes the old token, ends its sessions and is
	// audited, all at once.
	// (The bootstrap token above was revoked meanwhile: make another
	// server-made one, and one an admin made, which a reset keeps.)
	made, _ := s.CreateToken(ctx, []byte("h-admin3"), admin)
	kept, _ := s.CreateToken(ctx, []byte("h-alice"), fleet.Token{Name: "alice", Role: fleet.TokenAdmin, Created: day(1), UsesLeft: -1, By: "bootstrap (token 1)"})
	s.CreateSession(ctx, []byte("sess-admin"), made.ID, "c", time.Now().Add(time.Hour))
	entry := fleet.AuditEntry{At: day(6), Actor: "cascade serve --reset-admin-token", Role: fleet.TokenAdmin, Action: "admin.reset", Target: "admin-token", Remote: "local"}
	fresh := fleet.Token{Name: "bootstrap-admin", Role: fleet.TokenAdmin, Created: day(6), UsesLeft: -1, By: "cascade serve"}
	if _, _, err := s.ResetAdmin(ctx, []byte("h-reset-lost"), fresh, entry, func() error { return lost }); !errors.Is(err, lost) {
		t.Fatalf("reset whose secret was not written: %v", err)
	}
	if old, _ := s.TokenByHash(ctx, []byte("h-admin3")); old.Revoked {
		t.Fatal("a failed reset revoked the admin token")
	}
	nt, n, err := s.ResetAdmin(ctx, []byte("h-reset"), fresh, entry, nil)
	if err != nil || n != 1 || nt.ID == 0 {
		t.Fatalf("reset: %+v %d %v", nt, n, err)
	}
	if old, _ := s.TokenByHash(ctx, []byte("h-admin3")); !old.Revoked {
		t.Fatal("the old bootstrap admin token survived the reset")
	}
	if k, _ := s.TokenByHash(ctx, []byte("h-alice")); k.Revoked || k.ID != kept.ID {
		t.Fatal("a reset revoked an admin token an admin made")
	}
	if _, err := s.Session(ctx, []byte("sess-admin"), time.Now()); err == nil {
		t.Fatal("the old admin token's session survived the reset")
	}
	if cur, _ := s.TokenByHash(ctx, []byte("h-reset")); cur.Revoked || cur.Role != fleet.TokenAdmin {
		t.Fatalf("new admin token: %+v", cur)
	}
	if log, _ := s.AuditLog(ctx, 10, 0); len(log) == 0 || log[0].Action != "admin.reset" || log[0].Remote != "local" {
		t.Fatalf("reset not audited: %+v", log)
	}
}
