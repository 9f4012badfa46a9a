package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// shortDeadlines makes the read deadlines short for one test.
func shortDeadlines(t *testing.T) {
	h, b, w, p := headerTimeout, bodyTimeout, paceWindow, paceBytes
	headerTimeout, bodyTimeout, paceWindow, paceBytes = time.Second, time.Second, time.Second, 1<<10
	t.Cleanup(func() { headerTimeout, bodyTimeout, paceWindow, paceBytes = h, b, w, p })
}

// serveLimited serves s on 127.0.0.1 as `cascade serve` does, with at
// most perAddr connections per client address.
func serveLimited(t *testing.T, s *Server, perAddr int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.NewHTTPServer("")
	go hs.Serve(LimitConnsPerAddr(ln, perAddr))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// from dials addr from a given loopback address.
func from(t *testing.T, local, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 2 * time.Second}
	return d.Dial("tcp", addr)
}

func healthz(t *testing.T, local, addr string) error {
	c, err := from(t, local, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// TestSlowBodies: slow unauthenticated bodies from one address hold at
// most the per-address cap of connections, each for at most the body
// deadline, and the server keeps answering others meanwhile.
func TestSlowBodies(t *testing.T) {
	shortDeadlines(t)
	x := newHTTP(t, nil, nil)
	addr := serveLimited(t, x.s, 16)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 200 {
		c, err := from(t, "127.0.0.1", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /api/v1/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
	}
	start := time.Now()
	if err := healthz(t, "127.0.0.2", addr); err != nil {
		t.Fatalf("/healthz from another address while 200 slow bodies come in: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("/healthz took %s", took)
	}
	// Every slow connection ends: refused at once past the cap, cut at
	// the body deadline (1 s here) otherwise.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open, early int
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(4 * time.Second))
			_, err := io.Copy(io.Discard, c)
			mu.Lock()
			defer mu.Unlock()
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				open++
			} else if time.Since(start) < bodyTimeout/2 {
				early++
			}
		}()
	}
	wg.Wait()
	if open > 0 {
		t.Fatalf("%d slow connections still open after 4 s", open)
	}
	if early < 200-16 {
		t.Errorf("%d connections past the cap of 16 were closed at once, want %d", early, 200-16)
	}
	if err := healthz(t, "127.0.0.1", addr); err != nil {
		t.Fatalf("the address's connections were not given back: %v", err)
	}
}

// TestPacedUpload: an agent's upload on a slow link lives past the body
// deadline while its bytes keep coming; a trickle is cut.
func TestPacedUpload(t *testing.T) {
	shortDeadlines(t)
	st, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cascade.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	x := newHTTP(t, st, nil)
	agent, _ := x.enroll(t, "m1")
	addr := serveLimited(t, x.s, 0)
	body, _ := json.Marshal(fullUpload(hostSnap("m1", day(1), nil, nil)))
	send := func(chunk int, every time.Duration, total int) (int, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		pad := strings.Repeat(" ", total)
		fmt.Fprintf(c, "POST /api/v1/snapshots HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
			agent.Token, len(body)+total, body)
		go func() {
			for i := 0; i < total; i += chunk {
				if _, err := io.WriteString(c, pad[i:min(i+chunk, total)]); err != nil {
					return
				}
				time.Sleep(every)
			}
		}()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	// 2 KiB every 250 ms for about 2.5 s: past the 1 s body deadline.
	start := time.Now()
	if code, err := send(2<<10, 250*time.Millisecond, 20<<10); code != 200 || time.Since(start) < 2*time.Second {
		t.Fatalf("a paced upload: %d %v after %s", code, err, time.Since(start))
	}
	// 10 bytes every 200 ms: under 1 KiB a second, cut within the window.
	start = time.Now()
	code, err := send(10, 200*time.Millisecond, 10<<10)
	if took := time.Since(start); (err == nil && code == 200) || took > 4*time.Second {
		t.Fatalf("a trickled upload: %d %v after %s", code, err, took)
	}
}
