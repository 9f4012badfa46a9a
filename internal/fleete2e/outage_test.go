package fleete2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/agent"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/postgres/pgtest"
)

// proxy forwards TCP to PostgreSQL and can cut it off, like a database
// host that drops off the network.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, up: true, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.set(false) })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.up
		p.mu.Unlock()
		if !up {
			c.Close()
			continue
		}
		d, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(c, d)
		go func() { io.Copy(d, c); d.Close() }()
		go func() { io.Copy(c, d); c.Close() }()
	}
}

func (p *proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

// set brings the link up or cuts it (closing every open connection).
func (p *proxy) set(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// outage is how long the database stays unreachable: CASCADE_OUTAGE
// (e.g. 60s), 3s by default to keep the suite quick.
func outage() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CASCADE_OUTAGE")); err == nil && d > 0 {
		return d
	}
	return 3 * time.Second
}

// TestDatabaseOutage cuts the server off its PostgreSQL while agents keep
// collecting: the server answers 503, agents queue and retry, and when
// the database returns every snapshot arrives once and hunts run again,
// without restarting anything.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("outage test")
	}
	dsn := pgtest.Database(t)
	u, _ := url.Parse(dsn)
	px := newProxy(t, u.Host)
	u.Host = px.ln.Addr().String()
	u.RawQuery += "&connect_timeout=2"
	st, err := postgres.Open(bg, u.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := startServer(t, st, nil)
	enroll := l.enrollToken(t)
	ctx, cancel := context.WithCancel(bg)
	type run struct {
		a         *agent.Agent
		collected atomic.Int64
		done      chan error
	}
	var runs []*run
	for i := range 2 {
		r := &run{done: make(chan error, 1)}
		uid := fmt.Sprintf("ws-%d", i)
		collect := func(context.Context) (*snapshot.Snapshot, error) {
			n := r.collected.Add(1)
			time.Sleep(2 * time.Millisecond)
			return &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: uid, Name: uid, CollectedAt: time.Now().UTC()},
				Software: []snapshot.Software{office, {Name: "build", Version: fmt.Sprint(n), Source: "x", Ecosystem: "windows"}}}, nil
		}
		r.a, err = agent.New(bg, agent.Options{Server: l.url, TLS: l.tls, EnrollToken: enroll, StateDir: t.TempDir(), Interval: 150 * time.Millisecond,
			Host: func() snapshot.Host { return snapshot.Host{ID: uid, Name: uid} }, Collect: collect,
			RetryMin: 50 * time.Millisecond, RetryMax: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		go func() { r.done <- r.a.Run(ctx) }()
		runs = append(runs, r)
	}
	time.Sleep(500 * time.Millisecond)
	px.set(false)
	time.Sleep(300 * time.Millisecond)
	admin := l.client(l.admin)
	if _, err := admin.Hosts(bg, nil); fleetclient.Status(err) != 503 {
		t.Fatalf("API during the outage: %v, want 503", err)
	}
	doc, _ := os.ReadFile(filepath.Join("..", "server", "testdata", "xtrader.json"))
	if _, err := admin.ImportIntel(bg, "xtrader.json", doc); fleetclient.Status(err) != 503 {
		t.Fatalf("intel import during the outage: %v, want 503", err)
	}
	time.Sleep(outage())
	px.set(true)
	time.Sleep(time.Second)
	cancel()
	for _, r := range runs {
		<-r.done
		if err := r.a.Drain(bg); err != nil {
			t.Fatalf("drain after the outage: %v", err)
		}
		h, err := st.Host(bg, r.a.HostID())
		if err != nil {
			t.Fatal(err)
		}
		if int64(h.Snapshots) != r.collected.Load() {
			t.Errorf("host %s: %d snapshots stored, %d collected", h.UID, h.Snapshots, r.collected.Load())
		}
	}
	res, err := admin.ImportIntel(bg, "xtrader.json", doc)
	if err != nil {
		t.Fatalf("intel import after the outage: %v", err)
	}
	waitHunt(t, admin, res.HuntID, 30*time.Second)
	var health map[string]any
	if err := admin.Get(bg, "/healthz", nil, &health); err != nil || health["status"] != "ok" {
		t.Fatalf("health after the outage: %v %v", health, err)
	}
}
