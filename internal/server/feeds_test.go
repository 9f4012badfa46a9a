package server

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

func feedServer(t *testing.T, dir string, now *time.Time) *Server {
	t.Helper()
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Store: st, IntelDir: dir, Now: func() time.Time { return *now }, FeedHTTP: http.DefaultClient, FeedKey: testFeedKey})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func docs(t *testing.T, s *Server) map[string]fleet.IntelDoc {
	t.Helper()
	st, err := s.IntelStatus(bg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fleet.IntelDoc{}
	for _, d := range st.Docs {
		out[d.Name] = d
	}
	return out
}

func TestWatchedFolder(t *testing.T) {
	dir := t.TempDir()
	now := day(0)
	s := feedServer(t, dir, &now)
	intelDoc := readTestdata(t, "xtrader.json")
	os.WriteFile(filepath.Join(dir, "xtrader.json"), intelDoc, 0o644)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"schema":"cascade.intel/v1",`), 0o644)
	os.WriteFile(filepath.Join(dir, ".partial.json"), []byte(`junk`), 0o644)
	s.feeds.pollOnce(bg)
	d := docs(t, s)
	if len(d) != 1 || d["folder/xtrader.json"].Origin != "folder" {
		t.Fatalf("after the first poll: %+v", d)
	}
	hunts, _ := s.st.ListHunts(bg, 10)
	if len(hunts) != 1 {
		t.Fatalf("hunts: %d", len(hunts))
	}
	// Fixing the broken file imports it at the next poll.
	fixed := strings.Replace(string(intelDoc), `"test-xtrader"`, `"other-source"`, 1)
	fixed = strings.Replace(fixed, `"url-tt-download"`, `"url-2"`, 1)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(fixed), 0o644)
	s.feeds.pollOnce(bg)
	if d = docs(t, s); len(d) != 2 {
		t.Fatalf("after fixing: %+v", d)
	}
	// An unchanged folder changes nothing; a deleted file is removed.
	s.feeds.pollOnce(bg)
	os.Remove(filepath.Join(dir, "broken.json"))
	s.feeds.pollOnce(bg)
	if d = docs(t, s); len(d) != 1 {
		t.Fatalf("after deleting: %+v", d)
	}
	v, _ := s.st.IntelVersion(bg)
	if v != 3 {
		t.Fatalf("intel version %d, want 3 (import, import, remove)", v)
	}
}

func TestURLFeed(t *testing.T) {
	var mu sync.Mutex
	body, etag, status := readTestdata(t, "xtrader.json"), `"v1"`, 200
	var conditional int
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if status != 200 {
			w.WriteHeader(status)
			return
		}
		if r.Header.Get("If-None-Match") == etag {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(body)
	}))
	defer ts.Close()
	now := day(0)
	s := feedServer(t, "", &now)
	f, err := s.AddFeed(bg, fleet.FeedRequest{URL: ts.URL + "/feeds/xtrader.json", Interval: fleet.Duration(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFeed(bg, fleet.FeedRequest{URL: "file:///etc/passwd"}); err == nil {
		t.Fatal("a file: URL was accepted as a feed")
	}
	s.feeds.pollOnce(bg)
	name := feedName(&f)
	if d := docs(t, s); d[name].Origin != "feed:1" {
		t.Fatalf("after the first poll: %+v", d)
	}
	s.feeds.pollOnce(bg) // not due yet
	now = now.Add(2 * time.Hour)
	s.feeds.pollOnce(bg) // due: 304
	if conditional != 1 {
		t.Fatalf("conditional requests: %d", conditional)
	}
	mu.Lock()
	body, etag = []byte(strings.Replace(string(body), `"score": 60`, `"score": 70`, 1)), `"v2"`
	mu.Unlock()
	now = now.Add(2 * time.Hour)
	s.feeds.pollOnce(bg)
	hunts, _ := s.st.ListHunts(bg, 10)
	if len(hunts) != 2 {
		t.Fatalf("a changed feed should start a second hunt, got %d", len(hunts))
	}
	mu.Lock()
	status = 500
	mu.Unlock()
	now = now.Add(2 * time.Hour)
	s.feeds.pollOnce(bg)
	feeds, _ := s.st.ListFeeds(bg)
	if len(feeds) != 1 || !strings.Contains(feeds[0].LastError, "500") || feeds[0].LastOK.IsZero() {
		t.Fatalf("feed after an error: %+v", feeds)
	}
	if len(docs(t, s)) != 1 {
		t.Fatal("a failed poll removed the feed's intel")
	}
}
