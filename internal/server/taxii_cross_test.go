package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiiclient"
	"github.com/cascade-ir/cascade/internal/taxii"
)

// TestTAXIICrossOwnClient drives cascade's own TAXII client (the one feeds
// use) against cascade's TAXII server over loopback HTTP, not the fake of
// taxiitest: discovery, collections, a few thousand objects posted in
// envelopes and paged through with a small limit, a resume by
// added_after that reads only what came after, statuses, and the
// refusals a token without the grant gets.
func TestTAXIICrossOwnClient(t *testing.T) {
	e := newTAXIIEnv(t)
	cl := func(token string) *taxiiclient.Client {
		c, err := taxiiclient.New(e.x.ts.URL+"/taxii2/", taxiiclient.Options{Auth: taxiiclient.Auth{Token: token}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	rw, reader, outsider := cl(e.deleter), cl(e.reader), cl(e.outsider)

	d, err := rw.Discover(bg, e.x.ts.URL+"/taxii2/")
	if err != nil || len(d.APIRoots) != 1 {
		t.Fatalf("discovery: %+v %v", d, err)
	}
	root := d.APIRoots[0]
	ar, err := rw.APIRoot(bg, root)
	if err != nil || !slices.Contains(ar.Versions, taxii.MediaTAXII) || ar.MaxContentLength != taxiiMaxContent {
		t.Fatalf("api root %s: %+v %v", root, ar, err)
	}
	colls, err := rw.Collections(bg, root)
	if err != nil || len(colls) != 1 || colls[0].ID != e.intel || !colls[0].CanRead || !colls[0].CanWrite {
		t.Fatalf("collections of a token granted only %s: %+v %v", e.intel, colls, err)
	}
	if c, err := rw.Collection(bg, root, e.intel); err != nil || c.ID != e.intel {
		t.Fatalf("collection: %+v %v", c, err)
	}
	if colls, err := outsider.Collections(bg, root); err != nil || len(colls) != 0 {
		t.Fatalf("an outsider sees collections: %+v %v", colls, err)
	}

	indicator := func(i int) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000",`+
			`"created":"2023-01-01T00:00:00.000Z","modified":"2023-01-01T00:00:00.000Z","name":"cross %d",`+
			`"pattern":"[file:hashes.'SHA-256' = '%064x']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`, i, i, i+1))
	}
	add := func(from, to int) {
		t.Helper()
		var objs []json.RawMessage
		for i := from; i < to; i++ {
			objs = append(objs, indicator(i))
		}
		// envelopes of 64 KiB: the 3000 objects go in several POSTs
		sts, err := rw.AddAll(bg, root, e.intel, objs, 64<<10)
		if err != nil {
			t.Fatalf("add %d..%d: %v", from, to, err)
		}
		n := 0
		for _, st := range sts {
			if st.Status != taxii.StatusComplete || st.FailureCount != 0 {
				t.Fatalf("status %+v", st)
			}
			again, err := rw.Status(bg, root, st.ID)
			if err != nil || again.SuccessCount != st.SuccessCount || again.Status != taxii.StatusComplete {
				t.Fatalf("status %s read again: %+v %v", st.ID, again, err)
			}
			n += st.SuccessCount
		}
		if n != to-from || len(sts) < 2 && to-from > 1000 {
			t.Fatalf("add %d..%d: %d added in %d envelopes", from, to, n, len(sts))
		}
	}
	const first, second = 3000, 57
	add(0, first)

	pull := func(c *taxiiclient.Client, after string, limit int) ([]string, taxiiclient.PullResult) {
		t.Helper()
		var ids []string
		res, err := c.Pull(bg, root, e.intel, taxiiclient.PullOptions{AddedAfter: after, Limit: limit}, func(objs []json.RawMessage) error {
			if len(objs) > limit {
				t.Errorf("a page of %d objects past limit %d", len(objs), limit)
			}
			for _, o := range objs {
				var v struct{ ID string }
				if err := json.Unmarshal(o, &v); err != nil {
					return err
				}
				ids = append(ids, v.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("pull after %q: %v (%+v)", after, err, res)
		}
		return ids, res
	}
	id := func(i int) string { return fmt.Sprintf("indicator--%08d-0000-4000-8000-000000000000", i) }
	want := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, id(i))
		}
		return out
	}
	const limit = 97
	ids, res := pull(reader, "", limit)
	if !slices.Equal(ids, want(0, first)) || res.Pages < first/limit || res.Cursor == "" {
		t.Fatalf("first pull: %d objects in %d pages (cursor %q), want %d in order", len(ids), res.Pages, res.Cursor, first)
	}
	// nothing new: a resume reads nothing and keeps its cursor
	if again, res2 := pull(reader, res.Cursor, limit); len(again) != 0 || res2.Cursor != res.Cursor {
		t.Fatalf("resume with nothing new: %d objects, cursor %q → %q", len(again), res.Cursor, res2.Cursor)
	}
	add(first, first+second)
	ids, res2 := pull(reader, res.Cursor, limit)
	if !slices.Equal(ids, want(first, first+second)) || !(res2.Cursor > res.Cursor) {
		t.Fatalf("resume added_after %s: %v (cursor %q)", res.Cursor, ids, res2.Cursor)
	}

	// a reader may not write; an outsider does not learn the collection exists
	var he *taxiiclient.HTTPError
	if _, err := reader.Add(bg, root, e.intel, []json.RawMessage{indicator(9999)}); !errors.As(err, &he) || he.Status != 403 {
		t.Errorf("reader adds: %v, want 403", err)
	}
	if _, err := outsider.Pull(bg, root, e.intel, taxiiclient.PullOptions{}, func([]json.RawMessage) error { return nil }); !errors.As(err, &he) || he.Status != 404 {
		t.Errorf("outsider pulls: %v, want 404", err)
	}
}
