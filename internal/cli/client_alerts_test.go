package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// TestClientAlertsCommands adds, lists and deletes a sink; the secret is
// read from a file and never printed.
func TestClientAlertsCommands(t *testing.T) {
	dir := t.TempDir()
	_, url, tok := testFleetServer(t, dir)
	sec := filepath.Join(dir, "secret")
	os.WriteFile(sec, []byte("hmac-key-123\n"), 0o600)
	conn := []string{"--server", url, "--token-file", tok}
	code, out, se := run(t, slices.Concat([]string{"client", "alerts", "sink", "add", "--name", "siem", "--kind", "syslog", "--format", "cef", "--min-level", "warning"},
		conn, []string{"udp://192.0.2.7:514"})...)
	if code != 0 || !strings.Contains(out, "alert sink 1 (syslog) added") {
		t.Fatalf("add: %d %q %q", code, out, se)
	}
	code, out, se = run(t, slices.Concat([]string{"client", "alerts", "sink", "add", "--name", "hook", "--secret-file", sec}, conn, []string{"https://203.0.113.9/hook"})...)
	if code != 0 || !strings.Contains(out, "secret=true") {
		t.Fatalf("add webhook: %d %q %q", code, out, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "alerts", "sink", "add", "--name", "meta"}, conn, []string{"http://169.254.169.254/"})...); code == 0 || !strings.Contains(se, "link-local") {
		t.Fatalf("metadata webhook accepted: %d %q", code, se)
	}
	code, out, _ = run(t, slices.Concat([]string{"client", "alerts", "sink", "list", "--format", "json"}, conn)...)
	var list struct{ Sinks []fleet.AlertSink }
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Sinks) != 2 || list.Sinks[0].Format != "cef" || !list.Sinks[1].HasSecret {
		t.Fatalf("list: %d %s", code, out)
	}
	if strings.Contains(out, "hmac-key-123") {
		t.Fatal("the secret is listed")
	}
	if code, out, se = run(t, slices.Concat([]string{"client", "alerts", "deliveries", "--state", "dead"}, conn)...); code != 0 || !strings.Contains(out, "ATTEMPTS") {
		t.Fatalf("deliveries: %d %q %q", code, out, se)
	}
	if code, _, se = run(t, slices.Concat([]string{"client", "alerts", "sink", "delete"}, conn, []string{"1"})...); code != 0 {
		t.Fatalf("delete: %d %s", code, se)
	}
}
