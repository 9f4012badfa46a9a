package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// bench is one engine's run.
type bench struct {
	c     config
	url   string
	admin *fleetclient.Client
	hosts []*simHost
	t0    time.Time
	res   *result
	runs  int // reuses of a saved fleet before this run (-state)
}

// simHost is one simulated agent.
type simHost struct {
	n      int
	token  string
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
	statePath := ""
	var saved *benchState
	if c.state != "" {
		statePath = c.state + "." + engine
		var err error
		if saved, err = loadState(statePath, engine); err != nil {
			return nil, err
		}
		b.c.keep = true
	}
	var dsn string
	if saved != nil {
		dsn = saved.DSN
		b.res.reused = true
	} else {
		var cleanup func()
		var err error
		if dsn, cleanup, err = b.open(ctx, engine); err != nil {
			return nil, err
		}
		defer cleanup()
	}
	u, secret, stop, err := startChild(engine, dsn, b.c)
	if err != nil {
		return nil, err
	}
	defer stop()
	b.url = u
	if saved != nil {
		secret = saved.Admin
		b.resume(saved)
	}
	b.admin = b.client(secret)
	type step struct {
		name string
		fn   func(context.Context) error
	}
	steps := []step{{"enroll", b.enroll}, {"first snapshots", b.firstSnapshots}, {"unchanged re-uploads", b.unchanged},
		{"changes (history)", b.changes}}
	if b.c.bulkFill {
		var rebuild func(context.Context) error
		steps = append([]step{steps[0], {"dropping the search fold indexes for the fill", func(ctx context.Context) (err error) {
			rebuild, err = b.bulkFill(ctx, engine, dsn)
			return err
		}}}, steps[1:]...)
		steps = append(steps, step{"rebuilding the search fold indexes", func(ctx context.Context) error { return rebuild(ctx) }})
	}
	if saved != nil {
		steps = nil
	}
	if statePath != "" {
		steps = append(steps, step{"saving the fleet to " + statePath, func(context.Context) error {
			return b.saveState(statePath, dsn, secret, b.runs)
		}})
	}
	if b.c.search {
		steps = append(steps, step{"fleet search", func(ctx context.Context) error { return b.searchPhase(ctx, dsn) }})
	} else {
		steps = append(steps, step{"retro-hunt", b.retroHunt}, step{"API under ingest", b.apiLoad})
	}
	if statePath != "" {
		steps = append(steps, step{"saving the fleet", func(context.Context) error { return b.saveState(statePath, dsn, secret, b.runs) }})
	}
	for _, s := range steps {
		start := time.Now()
		fmt.Fprintf(os.Stderr, "[%s] %s…\n", engine, s.name)
		if err := s.fn(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(os.Stderr, "[%s] %s done in %s\n", engine, s.name, time.Since(start).Round(time.Millisecond))
	}
	b.res.dbBytes = dbSize(ctx, engine, dsn)
	b.res.cfg = b.c // with a saved fleet's size
	return b.res, nil
}

// dbSize measures the database at dsn (0 if it cannot).
func dbSize(ctx context.Context, engine, dsn string) int64 {
	if engine == "sqlite" {
		return fileSize(dsn) + fileSize(dsn+"-wal")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int64
	db.QueryRowContext(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
	return n
}

func (b *bench) client(token string) *fleetclient.Client {
	c := fleetclient.New(b.url, token, nil)
	c.HTTP.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	return c
}

// open creates a fresh database for the server process: a new SQLite file
// name, or a new database on the -pg server. It returns the DSN and a
// cleanup that removes the data (unless -keep).
func (b *bench) open(ctx context.Context, engine string) (string, func(), error) {
	var rnd [4]byte
	rand.Read(rnd[:])
	name := "cascade_bench_" + hex.EncodeToString(rnd[:])
	switch engine {
	case "sqlite":
		path := filepath.Join(b.c.dir, name+".db")
		return path, func() {
			if !b.c.keep {
				os.Remove(path)
				os.Remove(path + "-wal")
				os.Remove(path + "-shm")
			}
		}, nil
	case "postgres":
		if b.c.pg == "" {
			return "", nil, fmt.Errorf("-pg (or CASCADE_TEST_POSTGRES) is required for postgres")
		}
		admin, err := sql.Open("pgx", b.c.pg)
		if err != nil {
			return "", nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close()
			return "", nil, err
		}
		u, _ := url.Parse(b.c.pg)
		u.Path = "/" + name
		return u.String(), func() {
			if !b.c.keep {
				admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			}
			admin.Close()
		}, nil
	}
	return "", nil, fmt.Errorf("unknown engine %q", engine)
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
		b.hosts = append(b.hosts, &simHost{n: i, token: res.Token, client: b.client(res.Token), gen: map[int]int{}})
	}
	return nil
}
