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
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
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
	idle  [][]time.Duration // per kind, one analyst alone
	loads []searchLoad      // closed loop, then with think time
	hits  []int             // per kind, hits of the first idle request
	plans [][]string
}

// searchLoad is one load model's record: analysts searching back to back
// (think 0, a closed loop) or each waiting an exponential think time of
// mean think between a result and the next search.
type searchLoad struct {
	think  time.Duration
	loaded [][]time.Duration // per kind
	all    []time.Duration
	dur    time.Duration
}

// searchPhase sends every search kind 20 times alone (service time), then
// -api-clients analysts send random searches for -api-duration after
// -api-warmup, first back to back (closed loop), then, with
// -search-think > 0, each waiting an exponential think time of that mean
// between searches (for -search-think-duration); then the store
// explains each kind.
func (b *bench) searchPhase(ctx context.Context, dsn string) error {
	tc, err := b.admin.CreateToken(ctx, fleet.TokenRequest{Name: "bench-searcher", Role: fleet.TokenAnalyst})
	if err != nil {
		return err
	}
	an := b.client(tc.Secret)
	run := &searchRun{idle: make([][]time.Duration, len(searchKinds)), hits: make([]int, len(searchKinds))}
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
	models := []struct{ think, dur time.Duration }{{0, b.c.apiDuration}}
	if b.c.searchThink > 0 {
		models = append(models, struct{ think, dur time.Duration }{b.c.searchThink, b.c.searchThinkDur})
	}
	for _, m := range models {
		l, err := b.searchLoad(ctx, an, m.think, m.dur)
		if err != nil {
			return err
		}
		run.loads = append(run.loads, l)
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

// searchLoad runs -api-clients analysts for dur after -api-warmup. With
// think > 0 each starts after a random think time and waits an
// exponential one (mean think) after each answer: the offered load is
// then about clients/think searches a second whatever the latency, as
// people reading results between searches make it.
func (b *bench) searchLoad(ctx context.Context, an *fleetclient.Client, think, dur time.Duration) (searchLoad, error) {
	l := searchLoad{think: think, loaded: make([][]time.Duration, len(searchKinds)), dur: dur}
	lctx, cancel := context.WithTimeout(ctx, b.c.apiWarmup+dur)
	defer cancel()
	measured := time.Now().Add(b.c.apiWarmup)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs int
	wait := func(r *rand.Rand) bool {
		if think <= 0 {
			return lctx.Err() == nil
		}
		select {
		case <-time.After(time.Duration(r.ExpFloat64() * float64(think))):
			return true
		case <-lctx.Done():
			return false
		}
	}
	for c := range b.c.apiClients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(c), 13+uint64(think)))
			for wait(rnd) {
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
					l.loaded[k] = append(l.loaded[k], d)
					l.all = append(l.all, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if errs > 0 {
		return l, fmt.Errorf("%d search errors under load (think %s)", errs, think)
	}
	return l, nil
}

func (l searchLoad) model() string {
	if l.think <= 0 {
		return "closed loop"
	}
	return "think " + l.think.String()
}

// searchReport prints the phase's figures and plans.
func searchReport(w io.Writer, c config, rs []*result) {
	for _, r := range rs {
		s := r.search
		if s == nil {
			continue
		}
		fmt.Fprintf(w, "\nsearch phase, %s: %d file observations, %d analysts, %s of warm-up each\n",
			r.engine, c.hosts*c.files, c.apiClients, c.apiWarmup)
		fmt.Fprintf(w, "%-28s %-8s %-12s", "kind", "hits", "alone p50")
		for _, l := range s.loads {
			fmt.Fprintf(w, " | %-34s", l.model()+" p50 / p99 (n)")
		}
		fmt.Fprintln(w)
		for k, sk := range searchKinds {
			fmt.Fprintf(w, "%-28s %-8d %-12s", sk.name, s.hits[k], ms(pct(s.idle[k], 0.5)))
			for _, l := range s.loads {
				fmt.Fprintf(w, " | %-34s", fmt.Sprintf("%s / %s (%d)", ms(pct(l.loaded[k], 0.5)), ms(pct(l.loaded[k], 0.99)), len(l.loaded[k])))
			}
			fmt.Fprintln(w)
		}
		for _, l := range s.loads {
			fmt.Fprintf(w, "all, %s for %s: p50 %s, p99 %s, %d searches (%.1f/s)   target p99 < 200 ms\n", l.model(), l.dur,
				ms(pct(l.all, 0.5)), ms(pct(l.all, 0.99)), len(l.all), float64(len(l.all))/l.dur.Seconds())
		}
		for k, sk := range searchKinds {
			fmt.Fprintf(w, "plan %s: %s\n", sk.name, strings.Join(s.plans[k], " | "))
		}
	}
}
