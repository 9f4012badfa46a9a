package fleete2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// TestMain lets the test binary run as a server child that tests kill.
func TestMain(m *testing.M) {
	switch os.Getenv("CASCADE_E2E_CHILD") {
	case "serve":
		os.Exit(childServe())
	case "serve-limits":
		os.Exit(childServeLimits())
	}
	os.Exit(m.Run())
}

// childServe runs a server configured by the environment and reports on
// standard output: LISTEN <addr>, INGESTING, HUNT <event> <id> <phase>.
func childServe() int {
	var st store.Store
	var err error
	data := os.Getenv("CASCADE_E2E_DATA")
	if dsn := os.Getenv("CASCADE_E2E_DB"); dsn != "" {
		st, err = postgres.Open(context.Background(), dsn, postgres.Options{})
	} else {
		st, err = sqlite.Open(context.Background(), filepath.Join(data, "cascade.db"), sqlite.Options{})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", a...)
	}
	batch, _ := strconv.Atoi(os.Getenv("CASCADE_E2E_BATCH"))
	lease, _ := time.ParseDuration(os.Getenv("CASCADE_E2E_LEASE"))
	owner, err := server.InstanceID(data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	cfg := server.Config{Store: st, HuntBatch: batch, HuntLease: max(lease, time.Second), Owner: owner, PollEvery: 100 * time.Millisecond,
		Hooks: server.Hooks{
			Ingesting: func() { say("INGESTING"); time.Sleep(200 * time.Millisecond) },
			Hunt: func(ev string, id int64, phase int, cursor string) {
				say("HUNT %s %d %d %s", ev, id, phase, cursor)
				time.Sleep(10 * time.Millisecond)
			},
		}}
	srv, err := server.New(cfg)
	if err != nil {
		return 3
	}
	if secret, err := srv.Bootstrap(context.Background()); err == nil && secret != "" {
		os.WriteFile(filepath.Join(data, "admin-token"), []byte(secret), 0o600)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 3
	}
	say("LISTEN %s", ln.Addr())
	go srv.Run(context.Background())
	http.Serve(ln, srv.Handler())
	return 0
}

// child is a server process.
type child struct {
	cmd   *exec.Cmd
	url   string
	lines chan string
}

// spawn starts a server child on data (SQLite) or dsn (PostgreSQL), with
// hunt leases of a second.
func spawn(t *testing.T, data, dsn string, batch int) *child {
	return spawnLease(t, data, dsn, batch, time.Second)
}

// spawnLease is spawn with hunt leases of the given length.
func spawnLease(t *testing.T, data, dsn string, batch int, lease time.Duration) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CASCADE_E2E_CHILD=serve", "CASCADE_E2E_DATA="+data, "CASCADE_E2E_DB="+dsn,
		"CASCADE_E2E_BATCH="+strconv.Itoa(batch), "CASCADE_E2E_LEASE="+lease.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 10000)}
	t.Cleanup(c.kill)
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "LISTEN ") {
		t.Fatalf("server child did not start: %q", sc.Text())
	}
	c.url = "http://" + strings.TrimPrefix(sc.Text(), "LISTEN ")
	go func() {
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// kill sends SIGKILL and reaps the process.
func (c *child) kill() {
	if c.cmd.ProcessState == nil {
		c.cmd.Process.Kill()
		c.cmd.Wait()
	}
}

// await returns the first line for which match is true.
func (c *child) await(t *testing.T, within time.Duration, match func(string) bool) string {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatal("server child exited")
			}
			if match(l) {
				return l
			}
		case <-timer.C:
			t.Fatalf("server child said nothing matching within %s", within)
		}
	}
}

// within is await without failing: it reports whether a matching line
// came within the time.
func (c *child) within(d time.Duration, match func(string) bool) (string, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				return "", false
			}
			if match(l) {
				return l, true
			}
		case <-timer.C:
			return "", false
		}
	}
}

func adminToken(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
