// Command taxii benchmarks the TAXII 2.1 server (issue 19): it posts a
// million STIX indicators into one collection over HTTP, then pages
// through all of them with next, and reports objects per second ingested
// and served, on SQLite and on PostgreSQL. The server runs in this process
// on loopback; client and server share the machine's cores.
//
//	go run ./bench/taxii                      # SQLite, 1M objects
//	go run ./bench/taxii -engines sqlite,postgres -pg postgres://cascade@127.0.0.1:55433/postgres?sslmode=disable
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/server"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
	"github.com/cascade-ir/cascade/internal/taxii"
)

type config struct {
	n, batch, posters, page int
	pg                      string
}

func main() {
	var c config
	var engines string
	flag.IntVar(&c.n, "n", 1_000_000, "objects to post and page through")
	flag.IntVar(&c.batch, "batch", 1000, "objects per POST")
	flag.IntVar(&c.posters, "posters", 4, "POSTs in flight at once")
	flag.IntVar(&c.page, "page", 10000, "limit per GET (the server's most)")
	flag.StringVar(&engines, "engines", "sqlite", "sqlite, postgres, or both comma-separated")
	flag.StringVar(&c.pg, "pg", os.Getenv("CASCADE_TEST_POSTGRES"), "PostgreSQL URL (a database is created in it and dropped)")
	prof := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("TAXII 2.1 benchmark: %d objects, %d per POST, %d POSTs at once, pages of %d\n\n", c.n, c.batch, c.posters, c.page)
	fmt.Printf("%-9s %14s %14s %14s   %s\n", "engine", "ingest obj/s", "served obj/s", "manifest rec/s", "(per CPU-second of this process: ingest, served, manifest)")
	for _, e := range strings.Split(engines, ",") {
		r, err := run(context.Background(), c, e)
		if err != nil {
			log.Fatalf("%s: %v", e, err)
		}
		fmt.Printf("%-9s %14.0f %14.0f %14.0f   (%.0f, %.0f, %.0f)\n", e, r[0][0], r[1][0], r[2][0], r[0][1], r[1][1], r[2][1])
	}
	fmt.Println("\ntarget: > 20,000 objects/s ingested and served")
}

func open(ctx context.Context, c config, engine string) (store.Store, func(), error) {
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "cascade-taxii-bench")
		if err != nil {
			return nil, nil, err
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "cascade.db"), sqlite.Options{})
		return st, func() { st.Close(); os.RemoveAll(dir) }, err
	case "postgres":
		if c.pg == "" {
			return nil, nil, fmt.Errorf("-pg is required")
		}
		admin, err := sql.Open("pgx", c.pg)
		if err != nil {
			return nil, nil, err
		}
		var b [6]byte
		rand.Read(b[:])
		name := "cascade_taxii_bench_" + hex.EncodeToString(b[:])
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			return nil, nil, err
		}
		u, _ := url.Parse(c.pg)
		u.Path = "/" + name
		st, err := postgres.Open(ctx, u.String(), postgres.Options{})
		return st, func() {
			if st != nil {
				st.Close()
			}
			admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			admin.Close()
		}, err
	}
	return nil, nil, fmt.Errorf("unknown engine %q", engine)
}

// rate is objects per wall-clock second and per CPU-second.
func rate(n int, wall time.Time, cpu0 time.Duration) [2]float64 {
	return [2]float64{float64(n) / time.Since(wall).Seconds(), float64(n) / (cpu() - cpu0).Seconds()}
}

// run returns objects/s ingested, served and manifest records/s.
func run(ctx context.Context, c config, engine string) ([3][2]float64, error) {
	var out [3][2]float64
	st, cleanup, err := open(ctx, c, engine)
	if err != nil {
		return out, err
	}
	defer cleanup()
	s, err := server.New(server.Config{Store: st})
	if err != nil {
		return out, err
	}
	secret, err := s.Bootstrap(ctx)
	if err != nil {
		return out, err
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	coll, err := fleetclient.New(ts.URL, secret, nil).AddTAXIICollection(ctx, fleet.TAXIICollectionRequest{Title: "bench"})
	if err != nil {
		return out, err
	}
	base := ts.URL + "/taxii2/api/collections/" + coll.ID + "/"
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.posters + 1}}
	start, c0 := time.Now(), cpu()
	if err := ingest(hc, base, secret, c); err != nil {
		return out, err
	}
	out[0] = rate(c.n, start, c0)
	for i, what := range []string{"objects/", "manifest/"} {
		start, c0 = time.Now(), cpu()
		n, err := pageAll(hc, base+what, secret, c.page)
		if err != nil {
			return out, err
		}
		if n != c.n {
			return out, fmt.Errorf("paged %d of %d %s", n, c.n, what)
		}
		out[i+1] = rate(n, start, c0)
	}
	return out, nil
}

func ingest(hc *http.Client, base, secret string, c config) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c.posters)
	for range c.posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(int64(c.batch))) - c.batch
				if from >= c.n {
					return
				}
				if err := post(hc, base, secret, from, min(from+c.batch, c.n)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func post(hc *http.Client, base, secret string, from, to int) error {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i := from; i < to; i++ {
		if i > from {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2023-01-01T00:00:00.000Z","modified":"2023-01-01T00:00:00.000Z","name":"bench %d","pattern":"[file:hashes.'SHA-256' = '%064x']","pattern_type":"stix","valid_from":"2023-01-01T00:00:00Z"}`, i, i, i, i)
	}
	b.WriteString(`]}`)
	req, _ := http.NewRequest("POST", base+"objects/", &b)
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", taxii.MediaTAXII)
	req.Header.Set("Accept", taxii.MediaTAXII)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var st taxii.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != http.StatusAccepted || st.SuccessCount != to-from {
		return fmt.Errorf("POST: %s, %d of %d stored (%v)", resp.Status, st.SuccessCount, to-from, err)
	}
	return nil
}

// pageAll GETs every page with next and counts the objects.
func pageAll(hc *http.Client, u, secret string, page int) (int, error) {
	n, next := 0, ""
	for {
		q := fmt.Sprintf("?limit=%d", page)
		if next != "" {
			q += "&next=" + url.QueryEscape(next)
		}
		req, _ := http.NewRequest("GET", u+q, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Accept", taxii.MediaTAXII)
		resp, err := hc.Do(req)
		if err != nil {
			return n, err
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return n, fmt.Errorf("GET: %s (%v)", resp.Status, err)
		}
		n += len(env.Objects)
		if !env.More {
			return n, nil
		}
		next = env.Next
	}
}
