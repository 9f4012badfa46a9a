package cli

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestClientYARAHuntCommands creates a hunt from a rule file, lists and
// shows it (a hostile host name stays on its line) and cancels it; rules
// that do not compile are refused by the server.
func TestClientYARAHuntCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, url, tok := testFleetServer(t, dir)
	h1, err := st.EnsureHost(ctx, snapshot.Host{ID: "u1", Name: "web-1\x1b[2J", OS: "linux"}, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureHost(ctx, snapshot.Host{ID: "u2", Name: "db-1", OS: "linux"}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	rules, bad := filepath.Join(dir, "hunt.yar"), filepath.Join(dir, "bad.yar")
	os.WriteFile(rules, []byte("rule cli_hunt { strings: $a = \"cli-hunt-marker\" condition: $a }\n"), 0o600)
	os.WriteFile(bad, []byte("rule broken { condition: $nope }\n"), 0o600)
	conn := []string{"--server", url, "--token-file", tok}

	code, out, se := run(t, slices.Concat([]string{"client", "yara-hunt", "create", "--host", strconv.FormatInt(h1.ID, 10)}, conn, []string{rules})...)
	if code != 0 || !strings.Contains(out, "yara hunt 1 created for 1 hosts (0 waiting for their check-in, 1 offline)") {
		t.Fatalf("create: %d %q %q", code, out, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "yara-hunt", "create"}, conn, []string{bad})...); code == 0 || !strings.Contains(se, "broken") {
		t.Fatalf("rules that do not compile: %d %q", code, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "yara-hunt", "create", "--host", "999"}, conn, []string{rules})...); code == 0 || !strings.Contains(se, "400") {
		t.Fatalf("unknown host: %d %q", code, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "yara-hunt", "create", "--host", "x"}, conn, []string{rules})...); code != 2 {
		t.Fatalf("bad --host: %d %q", code, se)
	}
	code, out, se = run(t, slices.Concat([]string{"client", "yara-hunt", "create", "--format", "json"}, conn, []string{rules})...)
	var all fleet.YARAHunt
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil || all.ID != 2 || !all.Scope.All || all.Offline != 2 || len(all.Hosts) != 2 {
		t.Fatalf("create for every host: %d %s %s", code, out, se)
	}

	code, out, se = run(t, slices.Concat([]string{"client", "yara-hunt", "list"}, conn)...)
	if code != 0 || !strings.Contains(out, "OFFLINE") || strings.Count(out, "\n") != 3 {
		t.Fatalf("list: %d %q %q", code, out, se)
	}
	code, out, se = run(t, slices.Concat([]string{"client", "yara-hunt", "show", "--rules"}, conn, []string{"1"})...)
	if code != 0 || !strings.Contains(out, `web-1\x1b[2J`) || strings.Contains(out, "\x1b") || !strings.Contains(out, "offline") ||
		!strings.Contains(out, "cli-hunt-marker") || !strings.Contains(out, "namespace yara-hunt") {
		t.Fatalf("show: %d %q %q", code, out, se)
	}
	if code, out, se = run(t, slices.Concat([]string{"client", "yara-hunt", "cancel"}, conn, []string{"1"})...); code != 0 || !strings.Contains(out, "canceled") {
		t.Fatalf("cancel: %d %q %q", code, out, se)
	}
	code, out, _ = run(t, slices.Concat([]string{"client", "yara-hunt", "show", "--format", "json"}, conn, []string{"1"})...)
	var got fleet.YARAHunt
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Canceled.IsZero() {
		t.Fatalf("show after cancel: %d %s", code, out)
	}
	// The host the hunt never reached shows as canceled, not as offline.
	if got.Stopped != 1 || got.Offline != 0 || len(got.Hosts) != 1 || got.Hosts[0].State != fleet.YARAHuntStopped {
		t.Fatalf("show after cancel: %d canceled, %d offline, hosts %+v", got.Stopped, got.Offline, got.Hosts)
	}
	if code, _, _ = run(t, slices.Concat([]string{"client", "yara-hunt", "cancel"}, conn, []string{"1"})...); code == 0 {
		t.Fatal("a canceled hunt canceled again")
	}
}

// TestAgentYARAHuntFlags: the agent's hunt switches reach its options.
func TestAgentYARAHuntFlags(t *testing.T) {
	e := &env{getenv: func(string) string { return "" }, stderr: io.Discard}
	for _, tc := range []struct {
		no     bool
		budget time.Duration
	}{{false, 0}, {true, 5 * time.Minute}} {
		o := agentOptions{once: true, state: t.TempDir(), noHunts: tc.no, huntBudget: tc.budget, digests: "sha256", queueCap: "1MiB", logLevel: "warn"}
		o.conn.server = "https://192.0.2.1"
		o.collectFlags.register(flag.NewFlagSet("defaults", flag.ContinueOnError))
		opt, err := o.agentOptions(e, 0)
		if err != nil {
			t.Fatal(err)
		}
		if opt.NoHunts != tc.no || opt.HuntBudget != tc.budget {
			t.Errorf("flags %v %v: options %v %v", tc.no, tc.budget, opt.NoHunts, opt.HuntBudget)
		}
	}
}
