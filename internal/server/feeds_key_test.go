package server

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
	"github.com/cascade-ir/cascade/internal/store/sqlstore"
)

// testFeedKey is the feed key of the test servers.
var testFeedKey = bytes.Repeat([]byte{0x42}, store.FeedKeySize)

// TestFeedKeyFile: made at first start readable by its owner only, read
// back the same at the next; a file that is not a key is refused.
func TestFeedKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed-key")
	key, made, err := FeedKeyFile(path)
	if err != nil || !made || len(key) != store.FeedKeySize {
		t.Fatalf("first start: %d bytes, made %v, %v", len(key), made, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("feed key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, made, err := FeedKeyFile(path)
	if err != nil || made || !bytes.Equal(again, key) {
		t.Fatalf("second start: made %v, same key %v, %v", made, bytes.Equal(again, key), err)
	}
	other, _, err := FeedKeyFile(filepath.Join(dir, "other"))
	if err != nil || bytes.Equal(other, key) {
		t.Fatalf("a second key file holds the same key (%v)", err)
	}
	for name, content := range map[string]string{
		"short":  hex.EncodeToString(key[:16]) + "\n",
		"nothex": strings.Repeat("zz", store.FeedKeySize),
		"empty":  "",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := FeedKeyFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s key file: %v, want an error naming the file", name, err)
		}
	}
}

// TestFeedUnderAnotherKey: a server started with another feed key (or
// none) lists the feed whose credential it cannot open with the reason,
// says so in its log at start, never polls it (the feed's server sees no
// request) and refuses to store a new credential without a key.
func TestFeedUnderAnotherKey(t *testing.T) {
	var requests atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte(`{"response":[]}`))
	}))
	defer ts.Close()
	now := day(400)
	s := feedServer(t, "", &now)
	feed, err := s.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedMISP, URL: ts.URL, Secret: fleet.FeedSecret{Key: mispKeyForTest}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  []byte
		why  string
	}{
		{"another key", bytes.Repeat([]byte{0x17}, store.FeedKeySize), "does not decrypt"},
		{"no key", nil, "no feed key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			st := reopenStore(t, s.st)
			s2, err := New(Config{Store: st, Log: slogTo(&logs), Now: func() time.Time { return now }, FeedHTTP: http.DefaultClient, FeedKey: tc.key})
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			if tc.key != nil && (!strings.Contains(logs.String(), "feed credential unreadable") || !strings.Contains(logs.String(), ts.URL)) {
				t.Errorf("start log does not name the feed: %s", logs.String())
			}
			got := feedByID(t, s2, feed.ID)
			if got.Auth != "unreadable" || !strings.Contains(got.CredentialError, ts.URL) || !strings.Contains(got.CredentialError, tc.why) {
				t.Fatalf("listed: auth %s, credential error %q", got.Auth, got.CredentialError)
			}
			now = now.Add(2 * time.Hour)
			before := requests.Load()
			s2.feeds.pollOnce(bg)
			if n := requests.Load() - before; n != 0 {
				t.Errorf("the feed was polled without its credential (%d requests)", n)
			}
			if got := feedByID(t, s2, feed.ID); !strings.Contains(got.LastError, tc.why) || got.Failures == 0 {
				t.Errorf("after a poll: last error %q, failures %d", got.LastError, got.Failures)
			}
			_, err = s2.AddFeed(bg, fleet.FeedRequest{Kind: fleet.FeedMISP, URL: ts.URL + "/two", Secret: fleet.FeedSecret{Key: "k2"}})
			if tc.key == nil && (err == nil || toHTTP(err).Status != http.StatusServiceUnavailable) {
				t.Errorf("a credential added without a feed key: %v", err)
			}
		})
	}
	// The server with the right key polls it again.
	s3, err := New(Config{Store: reopenStore(t, s.st), Now: func() time.Time { return now }, FeedHTTP: http.DefaultClient, FeedKey: testFeedKey})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(24 * time.Hour)
	before := requests.Load()
	s3.feeds.pollOnce(bg)
	if got := feedByID(t, s3, feed.ID); requests.Load() == before || got.LastError != "" || got.Auth != "misp-key" {
		t.Errorf("right key: %d requests, %+v", requests.Load()-before, got)
	}
}

// reopenStore opens st's SQLite database a second time: another server
// process on the same data.
func reopenStore(t *testing.T, st store.Store) store.Store {
	t.Helper()
	var path string
	if err := st.(*sqlstore.Store).DB().QueryRowContext(bg, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	st2, err := sqlite.Open(bg, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	return st2
}
