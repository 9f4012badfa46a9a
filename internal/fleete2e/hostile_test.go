package fleete2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// childServeLimits runs a server as `cascade serve` does by default: its
// own HTTP server with read deadlines, the per-address connection cap,
// the default upload slots and memory budget. It reports LISTEN <addr>.
func childServeLimits() int {
	data := os.Getenv("CASCADE_E2E_DATA")
	var st store.Store
	var err error
	if dsn := os.Getenv("CASCADE_E2E_DB"); dsn != "" {
		st, err = postgres.Open(context.Background(), dsn, postgres.Options{})
	} else {
		st, err = sqlite.Open(context.Background(), filepath.Join(data, "cascade.db"), sqlite.Options{})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	srv, err := server.New(server.Config{Store: st})
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
	fmt.Printf("LISTEN %s\n", ln.Addr())
	go srv.Run(context.Background())
	srv.NewHTTPServer("").Serve(server.LimitConnsPerAddr(ln, 256))
	return 0
}

func spawnLimits(t *testing.T, data, dsn string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CASCADE_E2E_CHILD=serve-limits", "CASCADE_E2E_DATA="+data, "CASCADE_E2E_DB="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd}
	t.Cleanup(c.kill)
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "LISTEN ") {
		t.Fatalf("server child did not start: %q", sc.Text())
	}
	c.url = "http://" + strings.TrimPrefix(sc.Text(), "LISTEN ")
	return c
}

// peakRSS is a process's peak resident set (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read the server's memory from: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}

// bomb is a gzip body that inflates to prefix, n copies of part, and
// suffix: written as it is sent, never held.
type bomb struct {
	name, prefix, part string
	n                  int64
	suffix             string
}

func (b bomb) inflated() int64 {
	return int64(len(b.prefix)) + int64(len(b.part))*b.n + int64(len(b.suffix))
}

func (b bomb) body() io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestCompression)
		chunk := bytes.Repeat([]byte(b.part), max(1, (64<<10)/len(b.part)))
		per := int64(len(chunk) / len(b.part))
		_, err := io.WriteString(zw, b.prefix)
		for left := b.n; err == nil && left > 0; left -= per {
			_, err = zw.Write(chunk[:min(left, per)*int64(len(b.part))])
		}
		if err == nil {
			_, err = io.WriteString(zw, b.suffix)
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// TestHostileAgents is the attack run's malicious agent, on a real server
// process: eight agents at once send gzip bombs that inflate to gigabytes
// (a huge string, a deep array, white space, a giant list of small valid
// records), again and again for a while. The server must stay under 1 GB
// of memory, store nothing, keep answering analysts, and refuse NUL bytes
// with a 400 (PostgreSQL gave a 500).
func TestHostileAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test of about 20 s per engine")
	}
	engines(t, func(t *testing.T, _ func(t *testing.T) store.Store, dsn string) {
		data := t.TempDir()
		c := spawnLimits(t, data, dsn)
		admin := fleetclient.New(c.url, adminToken(t, data), nil)
		tok := func(role string) string {
			tc, err := admin.CreateToken(bg, fleet.TokenRequest{Name: role, Role: role, Uses: 10})
			if err != nil {
				t.Fatal(err)
			}
			return tc.Secret
		}
		analyst := fleetclient.New(c.url, tok(fleet.TokenAnalyst), nil)
		enrolled, err := fleetclient.New(c.url, tok(fleet.TokenEnroll), nil).Enroll(bg, snapshot.Host{ID: "evil", Name: "stolen-laptop", OS: "linux"})
		if err != nil {
			t.Fatal(err)
		}
		agent := enrolled.Token

		const head = `{"upload_id":"bomb-0123456789","snapshot":{"schema":"cascade.snapshot/v1","host":{"id":"evil","collected_at":"2026-01-01T00:00:00Z"},`
		const gb = 1 << 30
		bombs := []bomb{
			{"huge string", head + `"files":[{"path":"`, "A", 4 * gb, `"}]}}`},
			{"deep array", head + `"files":`, "[", 4 * gb, ``},
			{"white space", head + `"files":[`, " ", 4 * gb, `]}}`},
			{"small records", head + `"files":[`, `{"path":"/a","size":1},`, 4 * gb / 23, `{"path":"/a"}]}}`},
		}
		attackFor := 12 * time.Second
		stop := time.Now().Add(attackFor)
		var mu sync.Mutex
		statuses := map[string]map[int]int{}
		var wg sync.WaitGroup
		for i := range 8 {
			b := bombs[i%len(bombs)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				hc := &http.Client{Timeout: 60 * time.Second}
				for try := 0; try < 40 && time.Now().Before(stop); try++ {
					req, _ := http.NewRequest("POST", c.url+fleet.APIVersion+"/snapshots", b.body())
					req.Header.Set("Authorization", "Bearer "+agent)
					req.Header.Set("Content-Encoding", "gzip")
					code, msg := 0, "" // 0: the connection failed
					if resp, err := hc.Do(req); err == nil {
						b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
						resp.Body.Close()
						code, msg = resp.StatusCode, strings.TrimSpace(string(b))
					} else {
						msg = err.Error()
					}
					mu.Lock()
					if statuses[b.name][code] == 0 {
						t.Logf("%s: %d %s", b.name, code, msg)
					}
					if statuses[b.name] == nil {
						statuses[b.name] = map[int]int{}
					}
					statuses[b.name][code]++
					mu.Unlock()
					if code == http.StatusServiceUnavailable {
						time.Sleep(100 * time.Millisecond)
					}
				}
			}()
		}
		// An analyst keeps reading the host list meanwhile.
		var slowest time.Duration
		var reads, failed int
		for time.Now().Before(stop) {
			start := time.Now()
			ctx, cancel := context.WithTimeout(bg, 10*time.Second)
			_, err := analyst.Hosts(ctx, url.Values{})
			cancel()
			reads++
			if err != nil {
				failed++
				t.Logf("analyst read: %v", err)
			}
			slowest = max(slowest, time.Since(start))
			time.Sleep(200 * time.Millisecond)
		}
		wg.Wait()
		rss := peakRSS(t, c.cmd.Process.Pid)
		t.Logf("bombs of %.1f GiB each, 8 at a time for %s: answers %v; server peak RSS %d MiB; analyst: %d reads, slowest %s, %d failed",
			float64(bombs[0].inflated())/gb, attackFor, statuses, rss>>20, reads, slowest.Round(time.Millisecond), failed)
		if rss >= 1<<30 && !raceEnabled {
			t.Errorf("server peak RSS %d MiB, want < 1 GiB", rss>>20)
		}
		if failed > 0 || slowest > 5*time.Second {
			t.Errorf("analysts: %d of %d reads failed, slowest %s (want none, and under 5 s)", failed, reads, slowest)
		}
		for name, st := range statuses {
			if st[http.StatusOK] > 0 || st[http.StatusInternalServerError] > 0 {
				t.Errorf("%s: answers %v, want only refusals", name, st)
			}
		}

		// Field limits on this engine: NUL bytes are a 400 naming the field.
		ac := fleetclient.New(c.url, agent, nil)
		s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: "evil", CollectedAt: time.Now().Add(-time.Minute)},
			Software: []snapshot.Software{{Name: "x", Source: "s", SourcePackage: "p\x00"}}}
		_, err = ac.Upload(bg, &fleet.Upload{UploadID: "nul-0123456789", Snapshot: s})
		if fleetclient.Status(err) != 400 || !strings.Contains(err.Error(), "software[0].source_package") {
			t.Errorf("a NUL in source_package: %v, want 400 naming the field", err)
		}
		raw, _ := json.Marshal(fleet.EnrollRequest{Host: snapshot.Host{ID: "m2", OSVersion: "10\x00"}})
		req, _ := http.NewRequest("POST", c.url+fleet.APIVersion+"/enroll", bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+tok(fleet.TokenEnroll))
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
			t.Errorf("a NUL in os_version at enrollment: %v %v, want 400", resp, err)
		} else {
			resp.Body.Close()
		}
		// The budget is whole again: the agent's honest snapshot is stored.
		s.Software[0].SourcePackage = "p"
		if _, err := ac.Upload(bg, &fleet.Upload{UploadID: "honest-0123456789", Snapshot: s}); err != nil {
			t.Errorf("an honest upload after the attack: %v", err)
		}
		if h, err := admin.Hosts(bg, url.Values{}); err != nil || h.Total != 1 || h.Hosts[0].Snapshots != 1 {
			t.Errorf("hosts after the attack: %+v %v", h, err)
		}
	})
}

// TestSlowClients is the attack run's outsider: many connections from
// one address that send their headers and then a body byte by byte. A
// server process configured as cascade serve is by default keeps
// answering /healthz to others, closes the connections past the
// per-address cap at once and the others at the body deadline (15 s),
// and then serves that address again.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 15 s body deadline")
	}
	engines(t, func(t *testing.T, _ func(t *testing.T) store.Store, dsn string) {
		c := spawnLimits(t, t.TempDir(), dsn)
		addr := strings.TrimPrefix(c.url, "http://")
		const n, perAddr = 400, 256
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range n {
			cn, err := dialFrom("127.0.0.1", addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, cn)
			fmt.Fprintf(cn, "POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
		}
		start := time.Now()
		if err := healthFrom("127.0.0.2", addr); err != nil {
			t.Fatalf("/healthz from another address during the attack: %v", err)
		}
		t.Logf("/healthz from another address answered in %s", time.Since(start).Round(time.Millisecond))
		ended := make(chan time.Duration, n)
		for _, cn := range conns {
			go func() {
				cn.SetReadDeadline(time.Now().Add(25 * time.Second))
				_, err := io.Copy(io.Discard, cn)
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					ended <- -1
					return
				}
				ended <- time.Since(start)
			}()
		}
		var early, late, open int
		for range n {
			switch d := <-ended; {
			case d < 0:
				open++
			case d < 5*time.Second:
				early++
			default:
				late++
			}
		}
		t.Logf("%d connections closed at once, %d at the body deadline, %d still open after 25 s", early, late, open)
		if open > 0 || early < n-perAddr {
			t.Errorf("want %d closed at once and none open", n-perAddr)
		}
		if err := healthFrom("127.0.0.1", addr); err != nil {
			t.Fatalf("the attacking address is not served again: %v", err)
		}
	})
}

func dialFrom(local, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

func healthFrom(local, addr string) error {
	c, err := dialFrom(local, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
