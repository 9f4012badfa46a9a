package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFleetCommandUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"serve bad db", []string{"serve", "--db", "mysql://x", "--data", t.TempDir()}, 2, "postgres://"},
		{"serve cert without key", []string{"serve", "--tls-cert", "c.pem"}, 2, "--tls-key"},
		{"serve extra arg", []string{"serve", "now"}, 2, "unexpected argument"},
		{"serve bad size", []string{"serve", "--max-upload", "lots"}, 2, "--max-upload"},
		{"serve alert timeout too short", []string{"serve", "--alert-timeout", "10ms"}, 2, "--alert-timeout"},
		{"serve alert timeout too long", []string{"serve", "--alert-timeout", "1h"}, 2, "--alert-timeout"},
		{"serve public url scheme", []string{"serve", "--public-url", "ftp://x"}, 2, "--public-url"},
		{"serve public url credentials", []string{"serve", "--public-url", "https://u:p@x"}, 2, "--public-url"},
		{"serve public url no host", []string{"serve", "--public-url", "https:///findings"}, 2, "--public-url"},
		{"agent needs a schedule", []string{"agent", "--server", "https://x", "--state", t.TempDir()}, 2, "--interval and --once"},
		{"agent needs state", []string{"agent", "--server", "https://x", "--once"}, 2, "--state"},
		{"agent needs server", []string{"agent", "--once", "--state", t.TempDir()}, 2, "--server"},
		{"agent takes no roots", []string{"agent", "--once", "--server", "https://x", "--state", t.TempDir(), "/"}, 2, "no ROOT"},
		{"agent not enrolled", []string{"agent", "--once", "--server", "https://127.0.0.1:1", "--state", t.TempDir()}, 2, "enrollment token"},
		{"agent bad pin", []string{"agent", "--once", "--server", "https://x", "--state", t.TempDir(), "--pin", "abc"}, 2, "--pin"},
		{"client no subcommand", []string{"client"}, 2, "subcommand"},
		{"client unknown", []string{"client", "frob"}, 2, "frob"},
		{"client no token", []string{"client", "hosts", "--server", "https://x"}, 2, "token is required"},
		{"client http scheme", []string{"client", "hosts", "--server", "ftp://x", "--token", "t"}, 2, "https://"},
		{"client findings format", []string{"client", "findings", "--server", "https://127.0.0.1:1", "--token", "t", "--format", "xml"}, 2, ""},
		{"client token needs create", []string{"client", "token", "--role", "admin"}, 2, "token create"},
		{"client unreachable", []string{"client", "hosts", "--server", "https://127.0.0.1:1", "--token", "t"}, 2, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
		})
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeAndClient runs `cascade serve` in-process and scripts it with
// `cascade client`, as a team would.
func TestServeAndClient(t *testing.T) {
	data := t.TempDir()
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var serveErr strings.Builder
	go func() {
		done <- Run(ctx, []string{"cascade", "serve", "--data", data, "--listen", addr, "--poll", "100ms"}, strings.NewReader(""), &strings.Builder{}, &serveErr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, serveErr.String())
		}
	}()
	tokenFile := filepath.Join(data, "admin-token")
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(data, "tls-cert.pem")); err == nil {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				break
			}
		}
		if i > 200 {
			t.Fatalf("serve did not start: %s", serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if info, err := os.Stat(tokenFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v", info, err)
	}
	conn := []string{"--server", "https://" + addr, "--ca-cert", filepath.Join(data, "tls-cert.pem"), "--token-file", tokenFile}
	client := func(args ...string) (int, string, string) {
		t.Helper()
		n := 1
		if args[0] == "token" {
			n = 2
		}
		return run(t, append(append(append([]string{"client"}, args[:n]...), conn...), args[n:]...)...)
	}
	code, out, errs := client("token", "create", "--role", "enroll", "--name", "laptops", "--uses", "5")
	if code != 0 || !strings.HasPrefix(out, "cascade_") || !strings.Contains(errs, "shown once") {
		t.Fatalf("token create: %d %q %q", code, out, errs)
	}
	inv := filepath.Join("..", "sbom", "testdata", "inventory.json")
	if code, out, errs = client("import-snapshot", "--roles", "workstation", inv); code != 0 || !strings.Contains(out, "image:ws42") {
		t.Fatalf("import-snapshot: %d %s %s", code, out, errs)
	}
	if code, out, _ = client("findings"); code != 0 || !strings.Contains(out, "0 of 0 findings") {
		t.Fatalf("findings before intel: %d %s", code, out)
	}
	intelFile := filepath.Join("..", "server", "testdata", "xtrader.json")
	if code, out, errs = client("import-intel", "--wait", "30s", intelFile); code != 0 || !strings.Contains(out, "hunt 1 done") {
		t.Fatalf("import-intel: %d %s %s", code, out, errs)
	}
	code, out, _ = client("findings", "--format", "csv")
	if code != 1 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "X_TRADER") {
		t.Fatalf("findings csv: %d\n%s", code, out)
	}
	id := strings.Split(strings.Split(out, "\n")[1], ",")[0]
	if code, out, errs = client("triage", "--state", "false_positive", id); code != 2 || !strings.Contains(errs, "reason") {
		t.Fatalf("triage without reason: %d %s %s", code, out, errs)
	}
	if code, out, _ = client("triage", "--state", "acknowledged", id); code != 0 || !strings.Contains(out, "acknowledged") {
		t.Fatalf("triage: %d %s", code, out)
	}
	if code, out, errs = client("triage", id, "--state", "resolved"); code != 0 || !strings.Contains(out, "resolved") {
		t.Fatalf("triage with the flags after the id: %d %s %s", code, out, errs)
	}
	if code, out, _ = client("findings", "--state", "new"); code != 0 {
		t.Fatalf("no new findings left, exit %d: %s", code, out)
	}
	if code, out, _ = client("hosts", "--role", "workstation"); code != 0 || !strings.Contains(out, "ws42") {
		t.Fatalf("hosts: %d %s", code, out)
	}
	if code, out, errs = client("search", "x_trader@>=7.17,<7.18"); code != 0 || !strings.Contains(out, "X_TRADER@7.17.90") ||
		!strings.Contains(out, "1 hits on 1 hosts, product search") {
		t.Fatalf("search: %d %s %s", code, out, errs)
	}
	if code, out, errs = client("search", "--kind", "name", "--format", "json", "X_TRADER.EXE"); code != 0 || !strings.Contains(out, `"matched": "C:\\TT\\x_trader.exe"`) {
		t.Fatalf("search json: %d %s %s", code, out, errs)
	}
	if code, _, errs = client("search", "--kind", "name", "*"); code != 2 || !strings.Contains(errs, "literal characters") {
		t.Fatalf("search for everything: %d %s", code, errs)
	}
	if code, _, errs = run(t, "client", "hosts", "--server", "https://"+addr, "--token-file", tokenFile); code != 2 || !strings.Contains(errs, "certificate") || !strings.Contains(errs, "--ca-cert") {
		t.Fatalf("an untrusted certificate was accepted: %d %s", code, errs)
	}
}
