package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"
)

type result struct {
	engine               string
	first                []time.Duration
	firstWall            time.Duration
	firstBytes           int64
	unchangedWall        time.Duration
	unchangedFullPerHost time.Duration
	hunt                 time.Duration
	huntFindings         int64
	huntCandidates       int64
	apiIdle              *apiRun
	apiSaturated         *apiRun
	apiPaced             *apiRun
	apiPacedRate         float64
	dbBytes              int64
	search               *searchRun
	reused               bool   // a saved fleet: no ingest phases
	cfg                  config // as run (a saved fleet's size)
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func report(w io.Writer, c config, rs []*result) {
	fmt.Fprintf(w, "\ncascade fleet server benchmark: %d hosts × %d files + %d software (%d file observations), first snapshots %d at a time, %d upload workers later, %s, GOMAXPROCS %d\n\n",
		c.hosts, c.files, c.software, c.hosts*c.files, c.firstWorkers, c.workers, runtime.GOARCH, runtime.GOMAXPROCS(0))
	row := func(name, target string, f func(r *result) string) {
		fmt.Fprintf(w, "%-46s %-12s", name, target)
		for _, r := range rs {
			fmt.Fprintf(w, " %-22s", f(r))
		}
		fmt.Fprintln(w)
	}
	row("measure", "target", func(r *result) string { return r.engine })
	if rs[0].reused {
		fmt.Fprintf(w, "(a saved fleet, -state: no ingest phases)\n")
	} else {
		if n := bulkNote(c.bulkFill); n != "" {
			fmt.Fprintf(w, "(%s)\n", n)
		}
		ingestRows(w, c, row, rs)
	}
	if c.search {
		row("database size", "", func(r *result) string { return fmt.Sprintf("%.0f MiB", float64(r.dbBytes)/(1<<20)) })
		searchReport(w, c, rs)
		return
	}

	row(fmt.Sprintf("retro-hunt %d hashes + %d advisories", c.indicators, c.advisories), "< 2 s", func(r *result) string { return ms(r.hunt) })
	row("  candidates confirmed / findings", "", func(r *result) string {
		return fmt.Sprintf("%d / %d", r.huntCandidates, r.huntFindings)
	})
	fmt.Fprintf(w, "API, one analyst alone (service time, p50 of 100 each):\n")
	for k, p := range apiPaths {
		row("    "+p.name, "", func(r *result) string { return ms(pct(r.apiIdle.byPath[k], 0.5)) })
	}
	for _, ph := range []struct {
		name string
		run  func(r *result) *apiRun
	}{
		{fmt.Sprintf("ingest saturating (%d uploaders back to back)", c.workers), func(r *result) *apiRun { return r.apiSaturated }},
		{fmt.Sprintf("ingest paced (each host every %s)", c.ingestEvery), func(r *result) *apiRun { return r.apiPaced }},
	} {
		fmt.Fprintf(w, "API, %d analysts, %s, %s after %s of warm-up:\n", c.apiClients, ph.name, c.apiDuration, c.apiWarmup)
		row("  p50", "", func(r *result) string { return ms(pct(ph.run(r).lat, 0.5)) })
		row("  p99", "< 100 ms", func(r *result) string { return ms(pct(ph.run(r).lat, 0.99)) })
		for k, p := range apiPaths {
			row("    p99 "+p.name, "", func(r *result) string { return ms(pct(ph.run(r).byPath[k], 0.99)) })
		}
		row("  requests/s / deltas ingested/s", "", func(r *result) string {
			a := ph.run(r)
			return fmt.Sprintf("%.0f / %.1f", float64(len(a.lat))/c.apiDuration.Seconds(), float64(a.ingested)/c.apiDuration.Seconds())
		})
	}
	row("database size", "", func(r *result) string { return fmt.Sprintf("%.0f MiB", float64(r.dbBytes)/(1<<20)) })
}

// ingestRows reports the phases that build the fleet.
func ingestRows(w io.Writer, c config, row func(string, string, func(*result) string), rs []*result) {
	row("first full snapshot ingest, p50", "", func(r *result) string { return ms(pct(r.first, 0.5)) })
	row("first full snapshot ingest, p95", "< 1 s", func(r *result) string { return ms(pct(r.first, 0.95)) })
	row("first full snapshot ingest, max", "", func(r *result) string { return ms(pct(r.first, 1)) })
	row("first snapshots, hosts/s (all workers)", "", func(r *result) string {
		return fmt.Sprintf("%.1f", float64(len(r.first))/r.firstWall.Seconds())
	})
	row("first snapshot body (gzip), mean", "", func(r *result) string {
		return fmt.Sprintf("%.0f KiB", float64(r.firstBytes)/float64(max(1, len(r.first)))/1024)
	})
	row("unchanged re-uploads (empty delta), hosts/s", "> 200", func(r *result) string {
		return fmt.Sprintf("%.0f", float64(c.hosts)/r.unchangedWall.Seconds())
	})
	row("unchanged full re-upload, per host", "", func(r *result) string { return ms(r.unchangedFullPerHost) })
}
