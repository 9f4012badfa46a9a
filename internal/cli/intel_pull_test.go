package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiitest"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestIntelPullPush drives intel pull and intel push against a TAXII 2.1
// server on loopback.
func TestIntelPullPush(t *testing.T) {
	srv, ts := taxiitest.New(t, 5)
	srv.Auth = func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "ann" && p == "pw" }
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("pw\n"), 0o600)
	bundle := filepath.Join(dir, "out.json")
	root := ts.URL + "/api1/"
	auth := []string{"--collection", "c1", "--user", "ann", "--password-file", pw}
	push := filepath.Join(dir, "push.json")
	os.WriteFile(push, []byte(`{"type":"bundle","id":"bundle--6d0ea2a4-1b55-4e0f-9d5f-2d9a1c1a0b01","objects":[`+string(taxiitest.Indicator(42))+`]}`), 0o644)
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		out, se string
	}{
		{"no collection", []string{"intel", "pull", root}, ExitError, "", "--collection is required"},
		{"bad added-after", slices.Concat([]string{"intel", "pull", root, "--added-after", "yesterday"}, auth), ExitError, "", "--added-after"},
		{"wrong password", []string{"intel", "pull", root, "--collection", "c1", "--user", "ann"}, ExitError, "", "HTTP 401"},
		{"pull to a file", slices.Concat([]string{"intel", "pull", root, "-o", bundle}, auth), 0, "", "5 objects in 1 pages"},
		{"pull added after", slices.Concat([]string{"intel", "pull", root, "-o", bundle, "--added-after", "2024-03-01T00:00:02Z"}, auth), 0, "", "2 objects"},
		{"pull into the store", slices.Concat([]string{"intel", "pull", root, "--intel-store", filepath.Join(dir, "store")}, auth), 0, "(5 indicators)", ""},
		{"push", slices.Concat([]string{"intel", "push", root, push}, auth), 0, "1 objects added, 0 refused, in 1 envelopes", ""},
		{"push not a bundle", slices.Concat([]string{"intel", "push", root, pw}, auth), ExitError, "", "not a STIX bundle"},
		{"credentials in the URL", []string{"intel", "pull", "http://u:p@127.0.0.1/api1/", "--collection", "c1"}, ExitError, "", "credentials go in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, se := run(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(se, tc.se) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, se)
			}
		})
	}
	var b struct {
		Type    string
		Objects []json.RawMessage
	}
	data, _ := os.ReadFile(bundle)
	if json.Unmarshal(data, &b) != nil || b.Type != "bundle" || len(b.Objects) != 2 {
		t.Fatalf("bundle: %s", data)
	}
	if n := len(srv.Objects); n != 6 {
		t.Fatalf("after push the collection holds %d objects", n)
	}
}

// TestClientFeedCommands adds, lists and deletes a taxii feed on a server;
// the password is read from a file and never printed.
func TestClientFeedCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	feedKey, _, err := server.FeedKeyFile(filepath.Join(dir, "feed-key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Store: st, FeedKey: feedKey})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := s.Bootstrap(ctx)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tok, pw := filepath.Join(dir, "token"), filepath.Join(dir, "pw")
	os.WriteFile(tok, []byte(admin), 0o600)
	os.WriteFile(pw, []byte("feed-secret-pw\n"), 0o600)
	conn := []string{"--server", ts.URL, "--token-file", tok}
	code, out, se := run(t, slices.Concat([]string{"client", "feed", "add", "--kind", "taxii", "--collection", "c1", "--feed-user", "u",
		"--feed-password-file", pw, "--sightings-collection", "sightings"}, conn, []string{"https://taxii.example/api1/"})...)
	if code != 0 || !strings.Contains(out, "feed 1 (taxii) added") || !strings.Contains(out, "auth=basic") {
		t.Fatalf("add: %d %q %q", code, out, se)
	}
	code, out, _ = run(t, slices.Concat([]string{"client", "feed", "list", "--format", "json"}, conn)...)
	var list struct{ Feeds []fleet.Feed }
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Feeds) != 1 || list.Feeds[0].Policy.SightingsCollection != "sightings" {
		t.Fatalf("list: %d %s", code, out)
	}
	if strings.Contains(out, "feed-secret-pw") {
		t.Fatal("the password is listed")
	}
	// The database as SQLite's own shell reads it holds the credential
	// only encrypted, and neither the database nor its log has it in clear.
	if sh, err := exec.LookPath("sqlite3"); err != nil {
		t.Log("sqlite3 not installed: the database is not read with it")
	} else if got, err := exec.Command(sh, "-readonly", filepath.Join(dir, "c.db"), "SELECT secret FROM feeds").Output(); err != nil ||
		!strings.HasPrefix(string(got), "aes256gcm:") {
		t.Errorf("sqlite3 reads the stored credential as %q (%v)", got, err)
	}
	for _, name := range []string{"c.db", "c.db-wal"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Contains(b, []byte("feed-secret-pw")) {
			t.Errorf("%s holds the feed password in clear", name)
		}
	}
	if all, _ := st.ListFeeds(ctx); len(all) != 1 || all[0].Secret.Password != "feed-secret-pw" {
		t.Error("the server does not read the feed password back")
	}
	if code, out, se = run(t, slices.Concat([]string{"client", "feed", "add", "--kind", "misp"}, conn, []string{"https://misp.example"})...); code != ExitError || !strings.Contains(se, "auth key") {
		t.Fatalf("misp without a key: %d %q %q", code, out, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "feed", "delete"}, conn, []string{"1"})...); code != 0 {
		t.Fatalf("delete: %d %s", code, se)
	}
}
