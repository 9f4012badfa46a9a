package storetest

import (
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

func testMigrations(t *testing.T, h Harness) {
	s, reopen := h.Fresh(t, 1)
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != 1 {
		t.Fatalf("after migrating to 1: version %d, %v", v, err)
	}
	if _, err := s.Releases(ctx, ""); err == nil {
		t.Fatal("releases table exists before migration 2")
	}
	// Written with today's code on yesterday's schema: the row is stored;
	// reading it back needs columns later migrations add.
	s.EnsureHost(ctx, snapshot.Host{ID: "kept"}, nil, day(0))
	s.Close()
	s2, err := reopen(0)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if v, _ := s2.SchemaVersion(ctx); v != h.Latest {
		t.Fatalf("after upgrade: version %d, want %d", v, h.Latest)
	}
	if _, err := s2.HostByUID(ctx, "kept"); err != nil {
		t.Fatalf("data lost in upgrade: %v", err)
	}
	if _, err := s2.Releases(ctx, ""); err != nil {
		t.Fatalf("releases after upgrade: %v", err)
	}
	s2.Close()
	s3, err := reopen(0) // a second start migrates nothing
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if v, _ := s3.SchemaVersion(ctx); v != h.Latest {
		t.Fatalf("after reopen: version %d", v)
	}
	s3.Close()
}

func testHosts(t *testing.T, h Harness) {
	s := fresh(t, h)
	a := mustHost(t, s, "uid-a", fleet.RoleBuild)
	mustHost(t, s, "uid-b", fleet.RoleWorkstation)
	again, err := s.EnsureHost(ctx, snapshot.Host{ID: "uid-a", Name: "", OS: "linux"}, []string{fleet.RoleRelease}, day(1))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != a.ID || again.Name != "name-uid-a" || again.OS != "linux" {
		t.Fatalf("EnsureHost again = %+v; want same id, kept name, new OS", again)
	}
	if !slices.Equal(again.Roles, []string{fleet.RoleBuild, fleet.RoleRelease}) {
		t.Fatalf("roles = %v", again.Roles)
	}
	list, total, err := s.ListHosts(ctx, store.HostQuery{Search: "ID-A"})
	if err != nil || total != 1 || len(list) != 1 || list[0].UID != "uid-a" {
		t.Fatalf("search: %v %d %v", list, total, err)
	}
	list, _, _ = s.ListHosts(ctx, store.HostQuery{Role: fleet.RoleWorkstation})
	if len(list) != 1 || list[0].UID != "uid-b" {
		t.Fatalf("by role: %+v", list)
	}
	// Pages carry the total of all that match, also past the end, and each
	// host's roles in order.
	for _, c := range []struct {
		q     store.HostQuery
		uids  []string
		total int
	}{
		{store.HostQuery{Limit: 1}, []string{"uid-a"}, 2},
		{store.HostQuery{Limit: 1, Offset: 1}, []string{"uid-b"}, 2},
		{store.HostQuery{Limit: 1, Offset: 5}, nil, 2},
		{store.HostQuery{Search: "nothing"}, nil, 0},
	} {
		list, total, err := s.ListHosts(ctx, c.q)
		var uids []string
		for _, h := range list {
			uids = append(uids, h.UID)
		}
		if err != nil || total != c.total || !slices.Equal(uids, c.uids) {
			t.Fatalf("ListHosts(%+v) = %v, total %d, %v; want %v, total %d", c.q, uids, total, err, c.uids, c.total)
		}
		if len(list) > 0 && list[0].UID == "uid-a" && !slices.Equal(list[0].Roles, []string{fleet.RoleBuild, fleet.RoleRelease}) {
			t.Fatalf("listed roles = %v", list[0].Roles)
		}
	}
	list, _, _ = s.ListHosts(ctx, store.HostQuery{Search: "%"})
	if len(list) != 0 {
		t.Fatalf("a %% search must be literal, got %d hosts", len(list))
	}
	if err := s.SetHostRoles(ctx, a.ID, []string{fleet.RoleServer}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Host(ctx, a.ID)
	if !slices.Equal(got.Roles, []string{fleet.RoleServer}) {
		t.Fatalf("roles after set = %v", got.Roles)
	}
	_, err = s.Host(ctx, 999999)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.SetHostRoles(ctx, 999999, nil), store.ErrNotFound)
}
