package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestLongQueryParameter: a search longer than the limit is the client's
// mistake (400, naming the parameter), not a server error.
func TestLongQueryParameter(t *testing.T) {
	x := newHTTP(t, nil, nil)
	analyst := x.token(t, fleet.TokenAnalyst, nil)
	long := strings.Repeat("a", 50000)
	for _, path := range []string{"/hosts?q=", "/findings?q=", "/hosts/1/observations?kind=file&q=", "/audit?limit=1&x="} {
		u := x.ts.URL + fleet.APIVersion + path + long
		token := analyst
		if strings.HasPrefix(path, "/audit") {
			token = x.admin
		}
		code, body := rawRequest(t, "GET", u, token, nil, nil)
		if code != 400 || !strings.Contains(body, "query parameter") || !strings.Contains(body, "longer than") {
			t.Errorf("%s…: %d %s", path, code, body)
		}
	}
	if code, _ := rawRequest(t, "GET", x.ts.URL+fleet.APIVersion+"/hosts?q="+strings.Repeat("a", maxQueryValue), analyst, nil, nil); code != 200 {
		t.Errorf("a search of %d bytes: %d", maxQueryValue, code)
	}
	resp, err := http.Get(x.ts.URL + "/hosts?q=" + long)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("UI search of 50,000 bytes: %d", resp.StatusCode)
	}
}

// TestStorageFull fills a database (SQLite's max_page_count gives
// SQLITE_FULL as a full disk does): uploads get 507 with Retry-After and
// the stable code, /healthz turns 503 for a while, and an upload that
// fits later is stored.
func TestStorageFull(t *testing.T) {
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cascade.db"), sqlite.Options{GrowPages: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	x := newHTTP(t, st, func(c *Config) { c.Now = func() time.Time { return now } })
	if code, body := rawRequest(t, "GET", x.ts.URL+"/healthz", "", nil, nil); code != 200 {
		t.Fatalf("healthz before: %d %s", code, body)
	}
	agent, _ := x.enroll(t, "m1")
	full := false
	for i := 0; i < 200 && !full; i++ {
		sn := hostSnap("m1", day(i+1), nil, nil)
		for j := range 200 {
			sn.Files = append(sn.Files, snapshot.File{Path: fmt.Sprintf(`C:\data\%d\%d.bin`, i, j), Size: 1, SHA256: fmt.Sprintf("%032x%032x", i, j)})
		}
		_, err := agent.Upload(bg, fullUpload(sn))
		switch {
		case err == nil:
		case fleetclient.Status(err) == http.StatusInsufficientStorage && strings.Contains(err.Error(), codeStorageFull):
			full = true
		default:
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	if !full {
		t.Fatal("the database never filled up")
	}
	code, body := rawRequest(t, "GET", x.ts.URL+"/healthz", "", nil, nil)
	if code != 503 || !strings.Contains(body, `"storage":"full"`) {
		t.Fatalf("healthz with a full database: %d %s", code, body)
	}
	now = now.Add(storageFaultWindow + time.Second)
	if code, body := rawRequest(t, "GET", x.ts.URL+"/healthz", "", nil, nil); code != 200 {
		t.Fatalf("healthz a minute later: %d %s", code, body)
	}
}

func TestStorageFullAnswer(t *testing.T) {
	x := newHTTP(t, nil, nil)
	for _, err := range []error{fmt.Errorf("ingest: %w", store.ErrFull)} {
		rec := httptest.NewRecorder()
		x.s.writeAPIError(rec, httptest.NewRequest("POST", "/api/v1/snapshots", nil), err)
		if rec.Code != http.StatusInsufficientStorage || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), codeStorageFull) {
			t.Errorf("%v: answer %d, Retry-After %q, %s", err, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
	}
}
