package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// bench is one engine's run.
type bench struct {
	c      config
	st     store.Store
	srv    *server.Server
	url    string
	admin  *fleetclient.Client
	hosts  []*simHost
	t0     time.Time
	res    *result
	sizeFn func() int64
}

// simHost is one simulated agent.
type simHost struct {
	n      int
	client *fleetclient.Client
	sid    string
	digest fleet.Digest
	gen    map[int]int
	round  int
}

func (h *simHost) nextTime(t0 time.Time) time.Time {
	h.round++
	return t0.Add(time.Duration(h.round) * time.Minute)
}

func runEngine(ctx context.Context, c config, engine string) (*result, error) {
	b := &bench{c: c, res: &result{engine: engine}, t0: time.Now().Add(-30 * 24 * time.Hour).Truncate(time.Second)}
	cleanup, err := b.open(ctx, engine)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.srv, err = server.New(server.Config{Store: b.st, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PollEvery: 200 * time.Millisecond, MaxUpload: 1 << 30})
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: b.srv.Handler()}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b.srv.Run(bctx)
	go hs.Serve(ln)
	defer func() { // let requests in flight finish before the store closes
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		hs.Shutdown(sctx)
	}()
	b.url = "http://" + ln.Addr().String()
	secret, err := b.srv.Bootstrap(ctx)
	if err != nil {
		return nil, err
	}
	b.admin = b.client(secret)
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"enroll", b.enroll}, {"first snapshots", b.firstSnapshots}, {"unchanged re-uploads", b.unchanged},
		{"changes (history)", b.changes}, {"retro-hunt", b.retroHunt}, {"API under ingest", b.apiLoad},
	}
	for _, s := range steps {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "[%s] %s…\n", engine, s.name)
		if err := s.fn(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(os.Stderr, "[%s] %s done in %s\n", engine, s.name, time.Since(start).Round(time.Millisecond))
	}
	b.res.dbBytes = b.sizeFn()
	return b.res, nil
}

func (b *bench) client(token string) *fleetclient.Client {
	c := fleetclient.New(b.url, token, nil)
	c.HTTP.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	return c
}

// open creates the store: SQLite in a fresh file, or a fresh PostgreSQL
// database on the -pg server.
func (b *bench) open(ctx context.Context, engine string) (func(), error) {
	var rnd [4]byte
	rand.Read(rnd[:])
	name := "cascade_bench_" + hex.EncodeToString(rnd[:])
	switch engine {
	case "sqlite":
		path := filepath.Join(b.c.dir, name+".db")
		st, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			return nil, err
		}
		b.st = st
		b.sizeFn = func() int64 { return fileSize(path) + fileSize(path+"-wal") }
		return func() {
			st.Close()
			if !b.c.keep {
				os.Remove(path)
				os.Remove(path + "-wal")
				os.Remove(path + "-shm")
			}
		}, nil
	case "postgres":
		if b.c.pg == "" {
			return nil, fmt.Errorf("-pg (or CASCADE_TEST_POSTGRES) is required for postgres")
		}
		admin, err := sql.Open("pgx", b.c.pg)
		if err != nil {
			return nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return nil, err
		}
		u, _ := url.Parse(b.c.pg)
		u.Path = "/" + name
		st, err := postgres.Open(ctx, u.String(), postgres.Options{MaxConns: 32})
		if err != nil {
			return nil, err
		}
		b.st = st
		b.sizeFn = func() int64 {
			var n int64
			admin.QueryRowContext(ctx, "SELECT pg_database_size($1)", name).Scan(&n)
			return n
		}
		return func() {
			st.Close()
			if !b.c.keep {
				admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			}
			admin.Close()
		}, nil
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

func fileSize(p string) int64 {
	if st, err := os.Stat(p); err == nil {
		return st.Size()
	}
	return 0
}

// enroll creates the simulated hosts through the enrollment endpoint.
func (b *bench) enroll(ctx context.Context) error {
	tc, err := b.admin.CreateToken(ctx, fleet.TokenRequest{Name: "bench", Role: fleet.TokenEnroll, Uses: b.c.hosts})
	if err != nil {
		return err
	}
	et := b.client(tc.Secret)
	for i := range b.c.hosts {
		res, err := et.Enroll(ctx, snapshot.Host{ID: hostUID(i), Name: hostUID(i), OS: "windows"})
		if err != nil {
			return err
		}
		b.hosts = append(b.hosts, &simHost{n: i, client: b.client(res.Token), gen: map[int]int{}})
	}
	return nil
}
