// Command server benchmarks the fleet server on loopback, on SQLite and
// PostgreSQL side by side: simulated hosts enroll and upload a first full
// snapshot each, then unchanged re-uploads (empty deltas, as agents send
// them), then 50 concurrent analyst API clients while hosts keep
// uploading changes, then a retro-hunt of new hash indicators and software
// advisories over the whole history. Bounded: the server runs in a child
// process on 127.0.0.1, the load comes from this one, and the data lives in
// -dir (SQLite) or a throw-away database (PostgreSQL).
//
//	go run ./bench/server -hosts 200 -files 20000 -engines sqlite,postgres \
//	    -pg 'postgres://cascade@127.0.0.1:55432/postgres?sslmode=disable'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type config struct {
	engines      []string
	pg           string
	dir          string
	hosts        int
	files        int
	software     int
	workers      int
	firstWorkers int
	apiClients   int
	apiDuration  time.Duration
	apiWarmup    time.Duration
	indicators   int
	advisories   int
	keep         bool
	// bulkFill drops the fold indexes during the fill (bulkfill.go).
	bulkFill      bool
	ingestEvery   time.Duration
	cpuProfile    string
	serverLog     string
	decode        bool
	latLog        string
	state         string
	serverPprof   string
	serverGodebug string
	search        bool
	// searchThink is the mean think time of the search phase's second
	// load model; searchThinkDur its length.
	searchThink    time.Duration
	searchThinkDur time.Duration
}

func main() {
	var c config
	var engines string
	flag.StringVar(&engines, "engines", "sqlite", "comma-separated: sqlite, postgres")
	flag.StringVar(&c.pg, "pg", os.Getenv("CASCADE_TEST_POSTGRES"), "PostgreSQL URL of a server where a throw-away database is created")
	flag.StringVar(&c.dir, "dir", os.TempDir(), "directory for the SQLite database")
	flag.IntVar(&c.hosts, "hosts", 200, "simulated hosts (the target scenario is 2000)")
	flag.IntVar(&c.files, "files", 20000, "files per host")
	flag.IntVar(&c.software, "software", 80, "software records per host")
	flag.IntVar(&c.workers, "workers", 4, "concurrent uploading hosts (changes, API phase)")
	flag.IntVar(&c.firstWorkers, "first-workers", 1, "concurrent hosts uploading their first full snapshot (1 measures one snapshot's ingest time)")
	flag.IntVar(&c.apiClients, "api-clients", 50, "concurrent analyst API clients in the load phase")
	flag.DurationVar(&c.apiDuration, "api-duration", 20*time.Second, "length of each API load phase, after its warm-up")
	flag.DurationVar(&c.apiWarmup, "api-warmup", 2*time.Second, "start of each API load phase not recorded")
	flag.IntVar(&c.indicators, "indicators", 1000, "new SHA-256 indicators in the retro-hunt")
	flag.IntVar(&c.advisories, "advisories", 100, "new software advisories in the retro-hunt")
	flag.BoolVar(&c.keep, "keep", false, "keep the databases")
	flag.BoolVar(&c.bulkFill, "bulk-fill", false, "drop the search's case-folded path and name indexes before the first snapshots and rebuild them once the history is built: the same database in less time, for the search phase at 40M (the first-snapshot figures then do not measure ingest)")
	flag.DurationVar(&c.ingestEvery, "ingest-every", 15*time.Minute, "in the paced API phase, each host uploads a change this often (a fleet reporting every 15 min by default)")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the server process to this file (.ENGINE appended)")
	flag.StringVar(&c.serverLog, "server-log", "warn", "the server process's log level on standard error: debug, info, warn, error")
	flag.BoolVar(&c.decode, "decode", false, "analysts parse each API answer as JSON (by default they read it whole without parsing: they share the server's cores)")
	flag.StringVar(&c.latLog, "lat-log", "", "write every recorded API request of the load phases to this file (.ENGINE appended): phase, start and latency in µs, request")
	flag.StringVar(&c.state, "state", "", "keep the database and save the simulated fleet to this file (.ENGINE appended) once its history is built; when the file exists, reuse both and run only the retro-hunt and the API phases")
	flag.StringVar(&c.serverPprof, "server-pprof", "", "serve the server process's net/http/pprof on this loopback address (profiles of one phase at a time)")
	flag.StringVar(&c.serverGodebug, "server-godebug", "", "GODEBUG of the server process alone (gctrace=1 traces its collector)")
	flag.BoolVar(&c.search, "search", false, "after building the history, run the fleet search phase (-api-clients analysts searching for -api-duration) instead of the retro-hunt and API phases")
	flag.DurationVar(&c.searchThink, "search-think", 5*time.Second, "in the search phase, after the closed loop, each analyst also waits an exponential think time of this mean between searches (0: closed loop only)")
	flag.DurationVar(&c.searchThinkDur, "search-think-duration", 60*time.Second, "length of the search phase's think-time load, after its warm-up")
	childEngine := flag.String("child-engine", "", "internal: run the server process for this engine")
	childDSN := flag.String("child-dsn", "", "internal: the server process's database")
	flag.Parse()
	if *childEngine != "" {
		if err := serveChild(*childEngine, *childDSN, c.cpuProfile, c.serverLog, c.serverPprof); err != nil {
			fmt.Fprintln(os.Stderr, "bench server process:", err)
			os.Exit(1)
		}
		return
	}
	c.engines = strings.Split(engines, ",")
	var results []*result
	for _, e := range c.engines {
		r, err := runEngine(context.Background(), c, strings.TrimSpace(e))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", e, err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	report(os.Stdout, results[0].cfg, results) // the first run's fleet, saved or built
}
