package cli

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	tg "github.com/cascade-ir/cascade/internal/server/tracegraph/tracegraphtest"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestTraceServer runs cascade trace --server against a server holding
// the 3CX case: same formats, same exit codes as a local trace.
func TestTraceServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := tg.ThreeCX(ctx, st); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(admin+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conn := []string{"trace", "--server", ts.URL, "--token-file", tokenFile, "--at", "2023-04-20"}
	fwd := slices.Concat(conn, []string{"--from", "release:x_trader@7.17.90p608@2022-02-01"})
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"table", fwd, ExitFindings, "release:x_trader@7.17.90p608 -ran-> host:dev-pc-07 -reaches-> host:build-win-02 -built-on-> release:3cxdesktopapp@18.12.407"},
		{"json", slices.Concat(fwd, []string{"--format", "json"}), ExitFindings, `"suspect": true`},
		{"dot", slices.Concat(fwd, []string{"--format", "dot"}), ExitFindings, "digraph"},
		{"stix", slices.Concat(fwd, []string{"--format", "stix"}), ExitFindings, `"type": "bundle"`},
		{"nothing reached", slices.Concat(conn, []string{"--from", "host:umbrella-ws-01@2023-01-01"}), 0, "host:umbrella-ws-01"},
		{"backwards", slices.Concat(conn, []string{"--backwards", "--from", "host:acme-ws-11", "--from", "host:globex-pbx-02", "--from", "host:initech-lt-04"}),
			ExitFindings, "host:dev-pc-07"},
		{"declared edge", slices.Concat(conn, []string{"--from", "host:umbrella-ws-01@2023-01-01", "--declared", "../cascade/testdata/3cx/declared.csv"}), ExitError, "host:it-admin-01"},
		{"unknown seed", slices.Concat(conn, []string{"--from", "host:nope@2023-01-01"}), ExitError, `"host:nope" is no node`},
		{"graph and server", slices.Concat(fwd, []string{"--graph", "x.json"}), ExitError, "--graph and --provenance read local files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, tc.args...)
			if code != tc.code || !strings.Contains(out+stderr, tc.want) {
				t.Errorf("exit %d, want %d with %q\n%s%s", code, tc.code, tc.want, out, stderr)
			}
		})
	}

	// Saved traces: --save keeps the trace; client trace lists, shows,
	// recomputes and deletes it.
	code, out, stderr := run(t, slices.Concat(fwd, []string{"--save", "from X_TRADER"})...)
	if code != 0 || !strings.Contains(stderr, "saved as trace 1") || !strings.Contains(out, "first result") ||
		!strings.Contains(out, "release:3cxdesktopapp@18.12.416") {
		t.Fatalf("--save: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := run(t, slices.Concat(fwd, []string{"--save", "from X_TRADER"})...); code != ExitError || !strings.Contains(stderr, "already exists") {
		t.Errorf("--save twice: exit %d\n%s%s", code, out, stderr)
	}
	client := []string{"--server", ts.URL, "--token-file", tokenFile}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"list"}, 0, "from X_TRADER"},
		{[]string{"show", "1"}, 0, "suspect"},
		{[]string{"show", "--json", "1"}, 0, `"versions"`},
		{[]string{"recompute", "1"}, 0, "unchanged at version 1"},
		{[]string{"show", "2"}, ExitError, "not found"},
		{[]string{"show", "x"}, ExitError, "not a saved trace id"},
		{[]string{"delete", "1"}, 0, "trace 1 deleted"},
		{[]string{"list", "--json"}, 0, "[]"},
		{[]string{"add-input", "--kind", "deliveries", "../cascade/testdata/3cx/deliveries.csv"}, ExitError, "release:3cxdesktopapp-win@18.12.402"},
		{[]string{"add-input", "--kind", "provenance-key", "../cascade/testdata/3cx/signing-pub.pem"}, 0, "trace input 1: provenance-key signing-pub.pem"},
		{[]string{"inputs"}, 0, "signing-pub.pem"},
		{[]string{"delete-input", "1"}, 0, "trace input 1 deleted"},
		{[]string{"delete-input", "1"}, ExitError, "not found"},
	} {
		args := slices.Concat([]string{"client", "trace", tc.args[0]}, client, tc.args[1:])
		if code, out, stderr := run(t, args...); code != tc.code || !strings.Contains(out+stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, stderr)
		}
	}
	if code, _, stderr := run(t, "trace", "--graph", "x.json", "--from", "host:a@2023-01-01", "--save", "n"); code != ExitError || !strings.Contains(stderr, "--save keeps a trace on a server") {
		t.Errorf("--save without --server: exit %d %s", code, stderr)
	}

	// --save with --publish: the saved trace republishes its derived
	// intel into the collection; --watch keeps an incident not yet found.
	coll, err := fleetclient.New(ts.URL, admin, nil).AddTAXIICollection(ctx, fleet.TAXIICollectionRequest{Title: "Derived", Alias: "derived"})
	if err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := run(t, slices.Concat(fwd, []string{"--save", "published", "--publish", "derived"})...); code != 0 || !strings.Contains(stderr, "saved as trace") {
		t.Fatalf("--save --publish: exit %d\n%s%s", code, out, stderr)
	}
	objs, _, err := st.QueryObjects(ctx, store.TAXIIQuery{Collection: coll.ID, Limit: 100, Types: []string{"indicator"}, Body: true})
	if err != nil || !slices.ContainsFunc(objs, func(o store.TAXIIRecord) bool {
		return strings.Contains(string(o.Body), "software:version = '18.12.416'")
	}) {
		t.Fatalf("published on save: %d indicators, %v", len(objs), err)
	}
	if code, out, stderr := run(t, slices.Concat(conn, []string{"--from", "incident:not-yet", "--save", "watched", "--watch"})...); code != 0 || !strings.Contains(out, "no host has an alert-level finding") {
		t.Errorf("--save --watch: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := run(t, slices.Concat(fwd, []string{"--watch"})...); code != ExitError || !strings.Contains(stderr, "--watch keeps a saved trace") {
		t.Errorf("--watch without --save: exit %d %s", code, stderr)
	}
}
