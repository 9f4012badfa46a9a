package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/postgres"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
	"github.com/cascade-ir/cascade/internal/store/sqlstore"
)

// searchKinds are the fleet searches the -search phase sends, over the
// simulated fleet's files and software (it has no network artifacts, so
// domain, URL and IP searches, plain index lookups on artifact_obs, are
// not measured here). Each picks its target at random.
var searchKinds = []struct {
	name string
	req  func(b *bench, r *rand.Rand) url.Values
}{
	{"sha256 on every host", func(b *bench, r *rand.Rand) url.Values {
		return url.Values{"q": {digestOf(1, r.IntN(b.c.files*7/10)/7*10)}}
	}},
	{"sha256 on one host", func(b *bench, r *rand.Rand) url.Values {
		j := r.IntN(b.c.files)
		if j%10 < 7 {
			j += 7 - j%10
			j = min(j, b.c.files-1)
		}
		return url.Values{"q": {digestOf(2, r.IntN(len(b.hosts)), j, 0)}}
	}},
	{"sha256, 10-day range", func(b *bench, r *rand.Rand) url.Values {
		from := b.t0.Add(time.Duration(r.IntN(20)) * 24 * time.Hour)
		return url.Values{"q": {digestOf(1, r.IntN(b.c.files*7/10)/7*10)}, "from": {from.Format(time.RFC3339)},
			"to": {from.Add(10 * 24 * time.Hour).Format(time.RFC3339)}}
	}},
	{"file name glob", func(b *bench, r *rand.Rand) url.Values {
		return url.Values{"q": {fmt.Sprintf("lib%04d*.dll", r.IntN(max(1, b.c.files/10)))}, "kind": {"name"}}
	}},
	{"path glob", func(b *bench, r *rand.Rand) url.Values {
		return url.Values{"q": {fmt.Sprintf(`C:\Program Files\Vendor%03d\App*\module*.dll`, r.IntN(97))}}
	}},
	{"product and range", func(b *bench, r *rand.Rand) url.Values {
		return url.Values{"q": {fmt.Sprintf("Product %03d@>=1.0,<99", r.IntN(500))}}
	}},
}

// searchRun is the search phase's record.
type searchRun struct {
	idle   [][]time.Duration // per kind, one analyst alone
	loaded [][]time.Duration // per kind, -api-clients analysts
	all    []time.Duration
	hits   []int // per kind, hits of the first idle request
	plans  [][]string
	dur    time.Duration
}

// searchPhase sends every search kind 20 times alone (service time), then
// -api-clients analysts send random searches back to back for
// -api-duration after -api-warmup; then the store explains each kind.
func (b *bench) searchPhase(ctx context.Context, dsn string) error {
	tc, err := b.admin.CreateToken(ctx, fleet.TokenRequest{Name: "bench-searcher", Role: fleet.TokenAnalyst})
	if err != nil {
		return err
	}
	an := b.client(tc.Secret)
	run := &searchRun{idle: make([][]time.Duration, len(searchKinds)), loaded: make([][]time.Duration, len(searchKinds)),
		hits: make([]int, len(searchKinds)), dur: b.c.apiDuration}
	rnd := rand.New(rand.NewPCG(11, 12))
	for i := range 20 {
		for k, sk := range searchKinds {
			q := sk.req(b, rnd)
			q.Set("limit", "100")
			t := time.Now()
			res, err := an.Search(ctx, q)
			if err != nil {
				return fmt.Errorf("%s %v: %w", sk.name, q, err)
			}
			run.idle[k] = append(run.idle[k], time.Since(t))
			if i == 0 {
				run.hits[k] = len(res.Hits)
			}
		}
	}
	lctx, cancel := context.WithTimeout(ctx, b.c.apiWarmup+b.c.apiDuration)
	defer cancel()
	measured := time.Now().Add(b.c.apiWarmup)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs int
	for c := range b.c.apiClients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(c), 13))
			for lctx.Err() == nil {
				k := rnd.IntN(len(searchKinds))
				q := searchKinds[k].req(b, rnd)
				q.Set("limit", "100")
				t := time.Now()
				_, err := an.Search(lctx, q)
				d := time.Since(t)
				mu.Lock()
				if err != nil {
					if lctx.Err() == nil {
						errs++
					}
				} else if !t.Before(measured) {
					run.loaded[k] = append(run.loaded[k], d)
					run.all = append(run.all, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if errs > 0 {
		return fmt.Errorf("%d search errors under load", errs)
	}
	// The plans, from this process: the store opened on the same database.
	var st *sqlstore.Store
	switch b.res.engine {
	case "sqlite":
		st, err = sqlite.Open(ctx, dsn, sqlite.Options{})
	default:
		st, err = postgres.Open(ctx, dsn, postgres.Options{})
	}
	if err != nil {
		return fmt.Errorf("open the store to explain: %w", err)
	}
	defer st.Close()
	for _, sk := range searchKinds {
		q := sk.req(b, rnd)
		sq := store.SearchQuery{Q: q.Get("q"), Kind: q.Get("kind"), Limit: 100}
		if sq.Kind == "" {
			sq.Kind = store.InferSearchKind(sq.Q)
		}
		if f := q.Get("from"); f != "" {
			sq.From, _ = time.Parse(time.RFC3339, f)
			sq.To, _ = time.Parse(time.RFC3339, q.Get("to"))
		}
		plan, err := st.ExplainSearch(ctx, sq)
		if err != nil {
			return fmt.Errorf("explain %s: %w", sk.name, err)
		}
		run.plans = append(run.plans, plan)
	}
	b.res.search = run
	return nil
}

// searchReport prints the phase's figures and plans.
func searchReport(w io.Writer, c config, rs []*result) {
	for _, r := range rs {
		s := r.search
		if s == nil {
			continue
		}
		fmt.Fprintf(w, "\nsearch phase, %s: %d file observations, %d analysts for %s after %s of warm-up\n",
			r.engine, c.hosts*c.files, c.apiClients, c.apiDuration, c.apiWarmup)
		fmt.Fprintf(w, "%-28s %-8s %-16s %-16s %-16s %s\n", "kind", "hits", "alone p50", "loaded p50", "loaded p99", "loaded n")
		for k, sk := range searchKinds {
			fmt.Fprintf(w, "%-28s %-8d %-16s %-16s %-16s %d\n", sk.name, s.hits[k], ms(pct(s.idle[k], 0.5)),
				ms(pct(s.loaded[k], 0.5)), ms(pct(s.loaded[k], 0.99)), len(s.loaded[k]))
		}
		fmt.Fprintf(w, "%-28s %-8s %-16s %-16s %-16s %d (%.0f searches/s)   target p99 < 200 ms\n", "all", "", "",
			ms(pct(s.all, 0.5)), ms(pct(s.all, 0.99)), len(s.all), float64(len(s.all))/s.dur.Seconds())
		for k, sk := range searchKinds {
			fmt.Fprintf(w, "plan %s: %s\n", sk.name, strings.Join(s.plans[k], " | "))
		}
	}
}
