package taxiiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/feedclient/guard"
	"github.com/cascade-ir/cascade/internal/feedclient/taxiitest"
	"github.com/cascade-ir/cascade/internal/taxii"
)

var bg = context.Background()

func collect(t *testing.T, c *Client, root string, opt PullOptions) ([]json.RawMessage, PullResult, error) {
	t.Helper()
	var got []json.RawMessage
	res, err := c.Pull(bg, root, "c1", opt, func(p []json.RawMessage) error {
		got = append(got, p...)
		return nil
	})
	return got, res, err
}

func TestDiscoverCollectionsPullResume(t *testing.T) {
	srv, ts := taxiitest.New(t, 250)
	srv.Auth = func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "alice" && p == "s3cret" }
	c, err := New(ts.URL, Options{Auth: Auth{User: "alice", Password: "s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Discover(bg, ts.URL+"/taxii2/")
	if err != nil || len(d.APIRoots) != 1 || d.APIRoots[0] != ts.URL+"/api1/" {
		t.Fatalf("discovery: %+v %v", d, err)
	}
	if r, err := c.APIRoot(bg, d.APIRoots[0]); err != nil || r.Title != "root" {
		t.Fatalf("api root: %+v %v", r, err)
	}
	if cs, err := c.Collections(bg, d.APIRoots[0]); err != nil || len(cs) != 1 || cs[0].ID != "c1" {
		t.Fatalf("collections: %+v %v", cs, err)
	}
	got, res, err := collect(t, c, ts.URL+"/api1", PullOptions{Limit: 100})
	if err != nil || len(got) != 250 || res.Pages != 3 || res.Cursor != "2024-03-01T00:04:09.000000Z" {
		t.Fatalf("pull: %d objects, %+v, %v", len(got), res, err)
	}
	// A restart resumes after the cursor: only what was added since.
	srv.Mu.Lock()
	srv.Objects = append(srv.Objects, taxiitest.Stored{Added: time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), Raw: taxiitest.Indicator(999)})
	srv.Mu.Unlock()
	got, res2, err := collect(t, c, ts.URL+"/api1/", PullOptions{AddedAfter: res.Cursor})
	if err != nil || len(got) != 1 || res2.Cursor != "2024-03-02T00:00:00.000000Z" {
		t.Fatalf("resume: %d objects, %+v, %v", len(got), res2, err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if !strings.Contains(last, "added_after=2024-03-01T00%3A04%3A09.000000Z") {
		t.Fatalf("resume request: %s", last)
	}
}

func TestAddFollowsStatus(t *testing.T) {
	srv, ts := taxiitest.New(t, 1)
	srv.Auth = func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tok" }
	c, _ := New(ts.URL, Options{Auth: Auth{Token: "tok"}})
	st, err := c.AddAndWait(bg, ts.URL+"/api1/", "c1", []json.RawMessage{taxiitest.Indicator(7), taxiitest.Indicator(8)}, time.Millisecond, 5)
	if err != nil || st.Status != taxii.StatusComplete || st.SuccessCount != 2 {
		t.Fatalf("add: %+v %v", st, err)
	}
	got, _, err := collect(t, c, ts.URL+"/api1/", PullOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("after add: %d %v", len(got), err)
	}
}

func TestUnauthorizedIsAnHTTPError(t *testing.T) {
	srv, ts := taxiitest.New(t, 1)
	srv.Auth = func(r *http.Request) bool { return false }
	c, _ := New(ts.URL, Options{})
	_, _, err := collect(t, c, ts.URL+"/api1/", PullOptions{})
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 401 || he.TAXII == nil || he.Temporary() {
		t.Fatalf("unauthorized: %v", err)
	}
}

// hostile serves fn at the objects URL and counts requests.
func hostile(t *testing.T, fn http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fn(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

// TestHostile: each way a feed can misbehave ends the pull with an error,
// after a bounded number of requests, without contacting anything else.
func TestHostile(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	page := func(more bool, next string, objs ...json.RawMessage) []byte {
		b, _ := json.Marshal(taxii.Envelope{More: more, Next: next, Objects: objs})
		return b
	}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		opt     Options
		want    error
		wantMsg string
		maxReqs int32
	}{
		{"malformed envelope", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"more": "yes", "objects": 7}`)) },
			Options{}, nil, "malformed answer", 1},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html>`)) },
			Options{}, nil, "malformed answer", 1},
		{"next loops", func(w http.ResponseWriter, r *http.Request) { w.Write(page(true, "same", taxiitest.Indicator(1))) },
			Options{}, ErrPagingLoop, "", 2},
		{"more without progress", func(w http.ResponseWriter, r *http.Request) { w.Write(page(true, "", taxiitest.Indicator(1))) },
			Options{}, ErrNoProgress, "", 1},
		{"empty pages forever", func(w http.ResponseWriter, r *http.Request) {
			w.Write(page(true, r.URL.Query().Get("next")+"x"))
		}, Options{}, ErrNoProgress, "", maxEmptyPages},
		{"endless fresh next", func(w http.ResponseWriter, r *http.Request) {
			w.Write(page(true, r.URL.Query().Get("next")+"x", taxiitest.Indicator(1)))
		}, Options{}, ErrPageCap, "", 20},
		{"1 GB response", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"objects":[`))
			chunk := []byte(strings.Repeat(" ", 1<<16))
			for range 1 << 14 { // 1 GiB if nobody stops us
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, Options{MaxBody: 1 << 20}, guard.ErrTooLarge, "", 1},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/api1/collections/c1/objects/", http.StatusTemporaryRedirect)
		}, Options{}, guard.ErrOtherHost, "", 1},
		{"slow response", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"objects":[`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, Options{Timeout: 200 * time.Millisecond}, nil, "Client.Timeout", 1},
		{"server error", func(w http.ResponseWriter, r *http.Request) { taxiitest.Error(w, 503, "busy") },
			Options{}, nil, "HTTP 503", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, n := hostile(t, tc.h)
			c, _ := New(ts.URL, tc.opt)
			start := time.Now()
			_, _, err := collect(t, c, ts.URL+"/api1/", PullOptions{MaxPages: 20})
			switch {
			case err == nil:
				t.Fatal("no error")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("error %v, want %v", err, tc.want)
			case tc.wantMsg != "" && !strings.Contains(err.Error(), tc.wantMsg):
				t.Fatalf("error %v, want %q", err, tc.wantMsg)
			}
			if n.Load() > tc.maxReqs {
				t.Fatalf("%d requests, want at most %d", n.Load(), tc.maxReqs)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("another address was contacted %d times", elsewhere.Load())
	}
}

func TestForeignAPIRootsAndStatusNeverContacted(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	ts, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		taxiitest.Write(w, taxii.Discovery{Title: "x", APIRoots: []string{other.URL + "/api1/", "/mine/"}})
	})
	c, _ := New(ts.URL, Options{})
	d, err := c.Discover(bg, ts.URL+"/taxii2/")
	if err != nil || len(d.APIRoots) != 1 || d.APIRoots[0] != ts.URL+"/mine/" {
		t.Fatalf("discovery: %+v %v", d, err)
	}
	if _, _, err := collect(t, c, other.URL+"/api1/", PullOptions{}); !errors.Is(err, guard.ErrOtherHost) {
		t.Fatalf("pull from another origin than the client's: %v", err)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("another address was contacted")
	}
}

func TestBadDateAddedHeaderKeepsCursor(t *testing.T) {
	ts, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(taxii.HeaderDateAddedLast, "yesterday")
		taxiitest.Write(w, taxii.Envelope{Objects: []json.RawMessage{taxiitest.Indicator(1), json.RawMessage(`{"no":"id"}`), json.RawMessage(`7`)}})
	})
	c, _ := New(ts.URL, Options{})
	got, res, err := collect(t, c, ts.URL+"/api1/", PullOptions{AddedAfter: "2024-01-01T00:00:00.000000Z"})
	if err != nil || len(got) != 1 || res.Skipped != 2 || res.Cursor != "2024-01-01T00:00:00.000000Z" {
		t.Fatalf("%d %+v %v", len(got), res, err)
	}
}
