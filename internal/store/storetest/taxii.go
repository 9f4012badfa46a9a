package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/store"
)

func tobj(id string, v time.Time) store.TAXIIObject {
	ver := v.UTC().Format("2006-01-02T15:04:05.000Z")
	return store.TAXIIObject{ID: id, Type: "indicator", SpecVersion: "2.1", Version: ver, VersionAt: v,
		Body: []byte(fmt.Sprintf(`{"id":%q,"modified":%q}`, id, ver))}
}

func mustColl(t *testing.T, s store.Store, id, alias string) {
	t.Helper()
	if _, err := s.CreateCollection(ctx, store.TAXIICollection{ID: id, Alias: alias, Title: "T " + id, Created: t0}); err != nil {
		t.Fatal(err)
	}
}

func ids(recs []store.TAXIIRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID+"@"+r.Version)
	}
	return out
}

func testTAXIICollections(t *testing.T, h Harness) {
	s := fresh(t, h)
	mustColl(t, s, "c1", "intel")
	_, err := s.CreateCollection(ctx, store.TAXIICollection{ID: "c2", Alias: "intel", Title: "x", Created: t0})
	wantErr(t, err, store.ErrExists)
	_, err = s.CreateCollection(ctx, store.TAXIICollection{ID: "intel", Title: "x", Created: t0})
	wantErr(t, err, store.ErrExists)
	mustColl(t, s, "c2", "")
	if c, err := s.Collection(ctx, "intel"); err != nil || c.ID != "c1" || !c.Created.Equal(t0) {
		t.Fatalf("by alias: %+v %v", c, err)
	}
	_, err = s.Collection(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
	if err := s.SetGrant(ctx, store.TAXIIGrant{CollectionID: "c1", TokenID: 7, Read: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetGrant(ctx, store.TAXIIGrant{CollectionID: "c2", TokenID: 7, Write: true, Delete: true}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.SetGrant(ctx, store.TAXIIGrant{CollectionID: "c9", TokenID: 7, Read: true}), store.ErrNotFound)
	g, _ := s.TokenGrants(ctx, 7)
	if len(g) != 2 || !g[0].Read || g[0].Write || !g[1].Write || !g[1].Delete || g[1].Read {
		t.Fatalf("grants: %+v", g)
	}
	if err := s.SetGrant(ctx, store.TAXIIGrant{CollectionID: "c1", TokenID: 7}); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Grants(ctx, "c1"); len(g) != 0 {
		t.Fatalf("grant without rights kept: %+v", g)
	}
	if _, err := s.AddObjects(ctx, "c2", []store.TAXIIObject{tobj("indicator--1", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCollection(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Grants(ctx, ""); len(g) != 0 {
		t.Fatalf("grants of a deleted collection kept: %+v", g)
	}
	mustColl(t, s, "c2", "")
	if recs, _, _ := s.QueryObjects(ctx, store.TAXIIQuery{Collection: "c2", All: true}); len(recs) != 0 {
		t.Fatalf("objects of a deleted collection kept: %v", ids(recs))
	}
	_, err = s.AddObjects(ctx, "c9", []store.TAXIIObject{tobj("indicator--1", t0)}, t0)
	wantErr(t, err, store.ErrNotFound)
	st := store.TAXIIStatus{ID: "s1", Collection: "c1", TokenID: 7, Created: t0, Body: []byte(`{"id":"s1"}`)}
	if err := s.PutTAXIIStatus(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TAXIIStatus(ctx, "s1"); err != nil || string(got.Body) != `{"id":"s1"}` || got.TokenID != 7 {
		t.Fatalf("status: %+v %v", got, err)
	}
	_, err = s.TAXIIStatus(ctx, "s2")
	wantErr(t, err, store.ErrNotFound)
}

func testTAXIIVersions(t *testing.T, h Harness) {
	s := fresh(t, h)
	mustColl(t, s, "c", "")
	v := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	// version 2 first, then 1 and 3 with a duplicate of 2: first and
	// last are kept right whatever order versions arrive in.
	add, err := s.AddObjects(ctx, "c", []store.TAXIIObject{tobj("indicator--a", v(2)), tobj("indicator--b", v(1))}, t0)
	if err != nil || add[0].Duplicate || add[1].DateAdded.Sub(add[0].DateAdded) != time.Microsecond {
		t.Fatalf("add: %+v %v", add, err)
	}
	add2, err := s.AddObjects(ctx, "c", []store.TAXIIObject{tobj("indicator--a", v(1)), tobj("indicator--a", v(3)), tobj("indicator--a", v(2)), tobj("indicator--a", v(3))}, t0)
	if err != nil || add2[0].Duplicate || add2[1].Duplicate || !add2[2].Duplicate || !add2[3].Duplicate {
		t.Fatalf("add: %+v %v", add2, err)
	}
	if !add2[0].DateAdded.After(add[1].DateAdded) {
		t.Fatalf("date_added went back: %v after %v", add2[0].DateAdded, add[1].DateAdded)
	}
	h1, h2, h3 := "2023-01-10T10:00:00.000Z", "2023-01-10T11:00:00.000Z", "2023-01-10T12:00:00.000Z"
	for _, tc := range []struct {
		name string
		q    store.TAXIIQuery
		want string
	}{
		{"default is last", store.TAXIIQuery{}, "[indicator--b@" + h1 + " indicator--a@" + h3 + "]"},
		{"first", store.TAXIIQuery{First: true}, "[indicator--b@" + h1 + " indicator--a@" + h1 + "]"},
		{"first and last", store.TAXIIQuery{First: true, Last: true}, "[indicator--b@" + h1 + " indicator--a@" + h1 + " indicator--a@" + h3 + "]"},
		{"all", store.TAXIIQuery{All: true}, "[indicator--a@" + h2 + " indicator--b@" + h1 + " indicator--a@" + h1 + " indicator--a@" + h3 + "]"},
		{"at", store.TAXIIQuery{At: []time.Time{v(2)}}, "[indicator--a@" + h2 + "]"},
		{"id", store.TAXIIQuery{All: true, IDs: []string{"indicator--b"}}, "[indicator--b@" + h1 + "]"},
		{"type", store.TAXIIQuery{Types: []string{"malware"}}, "[]"},
		{"spec_version", store.TAXIIQuery{SpecVersions: []string{"2.0"}}, "[]"},
		{"after is exclusive", store.TAXIIQuery{All: true, After: add[1].DateAdded}, "[indicator--a@" + h1 + " indicator--a@" + h3 + "]"},
		{"limit", store.TAXIIQuery{All: true, Limit: 1}, "[indicator--a@" + h2 + "]"},
	} {
		tc.q.Collection = "c"
		recs, _, err := s.QueryObjects(ctx, tc.q)
		if got := fmt.Sprint(ids(recs)); err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
	recs, more, _ := s.QueryObjects(ctx, store.TAXIIQuery{Collection: "c", All: true, Limit: 3, Body: true})
	if !more || len(recs) != 3 || string(recs[0].Body) != `{"id":"indicator--a","modified":"`+h2+`"}` {
		t.Fatalf("page: %v more=%v", ids(recs), more)
	}
	// deleting the last version makes the one before it last.
	n, err := s.DeleteObject(ctx, store.TAXIIQuery{Collection: "c", IDs: []string{"indicator--a"}, At: []time.Time{v(3)}})
	if err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	recs, _, _ = s.QueryObjects(ctx, store.TAXIIQuery{Collection: "c", IDs: []string{"indicator--a"}})
	if got := fmt.Sprint(ids(recs)); got != "[indicator--a@"+h2+"]" {
		t.Fatalf("last after delete: %s", got)
	}
	n, err = s.DeleteObject(ctx, store.TAXIIQuery{Collection: "c", IDs: []string{"indicator--a"}, All: true})
	if err != nil || n != 2 {
		t.Fatalf("delete all: %d %v", n, err)
	}
	_, err = s.DeleteObject(ctx, store.TAXIIQuery{Collection: "c", IDs: []string{"indicator--a"}, All: true})
	wantErr(t, err, store.ErrNotFound)
}

// testTAXIIConcurrentPaging pages through a collection while writers add
// to it: every object is seen exactly once, and date_added only grows.
func testTAXIIConcurrentPaging(t *testing.T, h Harness) {
	s := fresh(t, h)
	mustColl(t, s, "c", "")
	const writers, batches, per = 4, 10, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var objs []store.TAXIIObject
				for i := range per {
					objs = append(objs, tobj(fmt.Sprintf("indicator--%d-%d-%d", w, b, i), t0))
				}
				if _, err := s.AddObjects(ctx, "c", objs, t0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var after time.Time
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		recs, _, err := s.QueryObjects(ctx, store.TAXIIQuery{Collection: "c", After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if seen[r.ID] || !r.DateAdded.After(after) {
				t.Fatalf("%s seen twice or out of order (%v after %v)", r.ID, r.DateAdded, after)
			}
			seen[r.ID] = true
			after = r.DateAdded
		}
		if finished && len(recs) == 0 {
			break
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != writers*batches*per {
		t.Fatalf("saw %d objects, want %d", len(seen), writers*batches*per)
	}
}
