package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// each runs fn for every host on the configured number of workers.
func (b *bench) each(ctx context.Context, workers int, fn func(h *simHost) error) error {
	ch := make(chan *simHost)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range ch {
				if err := fn(h); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for _, h := range b.hosts {
		select {
		case ch <- h:
		case err := <-errc:
			close(ch)
			wg.Wait()
			return err
		}
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

func gz(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, err
	}
	err := zw.Close()
	return buf.Bytes(), err
}

// firstSnapshots uploads every host's full first snapshot; the time
// measured is the request (the body is compressed beforehand, as the
// agent does before it connects).
func (b *bench) firstSnapshots(ctx context.Context) error {
	var mu sync.Mutex
	start := time.Now()
	err := b.each(ctx, b.c.firstWorkers, func(h *simHost) error {
		s := fullSnapshot(h.n, b.c.files, b.c.software, h.nextTime(b.t0), h.gen)
		fleet.Dedup(s)
		h.digest = fleet.StateDigest(s)
		body, err := gz(&fleet.Upload{UploadID: fmt.Sprintf("first-%06d", h.n), Snapshot: s})
		if err != nil {
			return err
		}
		t := time.Now()
		var res fleet.UploadResult
		if err := h.client.UploadRaw(ctx, body, &res); err != nil {
			return err
		}
		d := time.Since(t)
		if res.Opened != b.c.files+b.c.software {
			return fmt.Errorf("host %d: %d opened, want %d", h.n, res.Opened, b.c.files+b.c.software)
		}
		h.sid = res.SnapshotID
		mu.Lock()
		b.res.first = append(b.res.first, d)
		b.res.firstBytes += int64(len(body))
		mu.Unlock()
		return nil
	})
	b.res.firstWall = time.Since(start)
	return err
}

// emptyDelta is what an agent sends when nothing changed.
func (b *bench) emptyDelta(h *simHost) *fleet.Upload {
	return &fleet.Upload{UploadID: fmt.Sprintf("same-%06d-%d", h.n, h.round+1), Delta: &fleet.Delta{Base: h.sid, Digest: h.digest,
		Snapshot: snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{ID: hostUID(h.n), Name: hostUID(h.n), OS: "windows",
			CollectedAt: h.nextTime(b.t0), Collector: "cascade/bench"}}}}
}

// unchanged measures re-uploads of hosts where nothing changed: empty
// deltas for every host, then full snapshots for a sample.
func (b *bench) unchanged(ctx context.Context) error {
	start := time.Now()
	err := b.each(ctx, 16, func(h *simHost) error {
		res, err := h.client.Upload(ctx, b.emptyDelta(h))
		if err != nil {
			return err
		}
		if res.Opened+res.Closed != 0 {
			return fmt.Errorf("unchanged delta changed %d", res.Opened+res.Closed)
		}
		h.sid = res.SnapshotID
		return nil
	})
	b.res.unchangedWall = time.Since(start)
	if err != nil {
		return err
	}
	sample := b.hosts[:min(len(b.hosts), 20)]
	start = time.Now()
	for _, h := range sample {
		s := fullSnapshot(h.n, b.c.files, b.c.software, h.nextTime(b.t0), h.gen)
		res, err := h.client.Upload(ctx, &fleet.Upload{UploadID: fmt.Sprintf("samefull-%06d", h.n), Snapshot: s})
		if err != nil {
			return err
		}
		if res.Opened+res.Closed != 0 {
			return fmt.Errorf("unchanged full snapshot changed %d", res.Opened+res.Closed)
		}
		h.sid = res.SnapshotID
	}
	b.res.unchangedFullPerHost = time.Since(start) / time.Duration(len(sample))
	return nil
}

// changeDelta replaces n of a host's files with new versions.
func (b *bench) changeDelta(h *simHost, n int, rnd *rand.Rand) *fleet.Upload {
	d := b.emptyDelta(h).Delta
	picked := map[int]bool{}
	for range n {
		j := rnd.IntN(b.c.files)
		if picked[j] {
			continue
		}
		picked[j] = true
		old := fileAt(h.n, j, h.gen[j])
		h.gen[j]++
		nf := fileAt(h.n, j, h.gen[j])
		ko, kn := fleet.FileKey(&old), fleet.FileKey(&nf)
		if ko == kn {
			continue
		}
		d.Remove.Files = append(d.Remove.Files, ko)
		d.Snapshot.Files = append(d.Snapshot.Files, nf)
		h.digest.Toggle(ko)
		h.digest.Toggle(kn)
	}
	d.Digest = h.digest
	return &fleet.Upload{UploadID: fmt.Sprintf("chg-%06d-%d", h.n, h.round), Delta: d}
}

func (b *bench) upload(ctx context.Context, h *simHost, up *fleet.Upload) error {
	res, err := h.client.Upload(ctx, up)
	if err != nil {
		return fmt.Errorf("host %d: %w", h.n, err)
	}
	h.sid = res.SnapshotID
	return nil
}

// changes gives every host some history: 50 files replaced.
func (b *bench) changes(ctx context.Context) error {
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(1, 2))
	return b.each(ctx, b.c.workers, func(h *simHost) error {
		mu.Lock()
		up := b.changeDelta(h, 50, rnd)
		mu.Unlock()
		return b.upload(ctx, h, up)
	})
}

// retroHunt imports new indicators and advisories and times the hunt to
// its end. Some indicators name files that are gone (history), some name
// files present now; most name nothing.
func (b *bench) retroHunt(ctx context.Context) error {
	// A reused fleet (-state) hunts new intel each run: another source,
	// other digests, other files hit. The previous run's is removed first
	// (its retracting hunt is not timed), so every run hunts with one
	// document loaded, as a fresh one does.
	src := "bench"
	if b.runs > 0 {
		src = fmt.Sprintf("bench-%d", b.runs)
		var st fleet.IntelStatus
		if err := b.admin.Get(ctx, fleet.APIVersion+"/intel", nil, &st); err != nil {
			return err
		}
		for _, d := range st.Docs {
			if strings.HasPrefix(d.Name, "bench") {
				if err := b.removeIntel(ctx, d.Name); err != nil {
					return fmt.Errorf("removing an earlier run's intel: %w", err)
				}
			}
		}
	}
	doc := intel.Document{Schema: intel.Schema, Source: intel.Source{ID: src, Name: "bench intel", Kind: "cascade"}}
	rnd := rand.New(rand.NewPCG(3, 4+uint64(b.runs)))
	hits := b.c.indicators / 20
	for i := range b.c.indicators {
		v := digestOf(9, i, b.runs)
		if i < hits {
			h := b.hosts[rnd.IntN(len(b.hosts))]
			j := 7 + 10*rnd.IntN(b.c.files/10) // a host-specific file
			v = fileAt(h.n, j, 0).SHA256
		}
		doc.Indicators = append(doc.Indicators, intel.Indicator{ID: fmt.Sprintf("h%d", i), Type: intel.SHA256, Value: v, Score: 80})
	}
	for i := range b.c.advisories {
		p, ver := i*5%500, "0.0.0"
		if i%20 == 0 { // affects the version every host with the product has
			p = i * 5 % 500
			ver = productVersion(p)
		}
		doc.Advisories = append(doc.Advisories, intel.Advisory{ID: fmt.Sprintf("a%d", i), Title: "bench advisory",
			Product: fmt.Sprintf("Product %03d", p), Score: 85, Affected: []intel.Affected{{Versions: []string{ver}}}})
	}
	data, _ := json.Marshal(doc)
	start := time.Now()
	res, err := b.admin.ImportIntel(ctx, src+"-intel.json", data)
	if err != nil {
		return err
	}
	h, err := b.waitHunt(ctx, res.HuntID)
	if err != nil {
		return err
	}
	b.res.hunt = time.Since(start)
	b.res.huntFindings, b.res.huntCandidates = h.Findings, h.Candidates
	return nil
}

// removeIntel deletes an intel document and waits for the hunt the
// change started.
func (b *bench) removeIntel(ctx context.Context, name string) error {
	res, err := b.admin.RemoveIntel(ctx, name)
	if err != nil || res.HuntID == 0 {
		return err
	}
	_, err = b.waitHunt(ctx, res.HuntID)
	return err
}

// waitHunt polls a hunt until it is done.
func (b *bench) waitHunt(ctx context.Context, id int64) (fleet.Hunt, error) {
	for {
		h, err := b.admin.Hunt(ctx, id)
		if err != nil {
			return h, err
		}
		switch h.Status {
		case fleet.HuntDone:
			return h, nil
		case fleet.HuntFailed:
			return h, fmt.Errorf("hunt %d failed: %s", id, h.Error)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// apiPaths are the analyst requests of the API phases, by name.
var apiPaths = []struct {
	name string
	req  func(b *bench, r *rand.Rand) (string, url.Values)
}{
	{"hosts page", func(b *bench, r *rand.Rand) (string, url.Values) {
		return "/hosts", url.Values{"limit": {"50"}, "offset": {fmt.Sprint(r.IntN(max(1, len(b.hosts)-50)))}}
	}},
	{"one host", func(b *bench, r *rand.Rand) (string, url.Values) {
		return fmt.Sprintf("/hosts/%d", r.IntN(len(b.hosts))+1), nil
	}},
	{"findings page", func(b *bench, r *rand.Rand) (string, url.Values) { return "/findings", url.Values{"limit": {"50"}} }},
	{"incidents", func(b *bench, r *rand.Rand) (string, url.Values) { return "/incidents", nil }},
	{"host software", func(b *bench, r *rand.Rand) (string, url.Values) {
		return fmt.Sprintf("/hosts/%d/observations", r.IntN(len(b.hosts))+1), url.Values{"kind": {"software"}, "limit": {"100"}}
	}},
}

// analystGet sends one analyst request and reads the whole answer. The
// analysts run on the server's cores, so by default they do not parse it:
// a browser or script elsewhere would, on its own CPU. -decode parses each
// answer as JSON, as the load generator did before.
func (b *bench) analystGet(ctx context.Context, an *fleetclient.Client, path string, q url.Values) error {
	if b.c.decode {
		var sink json.RawMessage
		return an.Get(ctx, fleet.APIVersion+path, q, &sink)
	}
	var n byteCount
	if err := an.Get(ctx, fleet.APIVersion+path, q, &n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("GET %s: empty answer", path)
	}
	return nil
}

// byteCount is a sink that only counts.
type byteCount int64

func (n *byteCount) Write(p []byte) (int, error) {
	*n += byteCount(len(p))
	return len(p), nil
}

// apiRun is one API phase's record.
type apiRun struct {
	lat      []time.Duration   // every request
	at       []time.Duration   // when each started, from the phase's start
	kind     []int             // each one's apiPaths entry
	byPath   [][]time.Duration // per apiPaths entry
	ingested int
	errors   int
	start    time.Time // the phase's start, warm-up included
}

// apiLoad runs analyst clients against the API while hosts keep uploading
// changes, twice: with the uploaders in a closed loop (ingest as fast as
// the server takes it), then with each host uploading every -ingest-every
// (a fleet's steady reporting). Every request's latency is recorded.
func (b *bench) apiLoad(ctx context.Context) error {
	tc, err := b.admin.CreateToken(ctx, fleet.TokenRequest{Name: "bench-analyst", Role: fleet.TokenAnalyst})
	if err != nil {
		return err
	}
	an := b.client(tc.Secret)
	if b.res.apiIdle, err = b.apiIdle(ctx, an); err != nil {
		return fmt.Errorf("one analyst alone: %w", err)
	}
	if b.res.apiSaturated, err = b.apiPhase(ctx, an, 0); err != nil {
		return fmt.Errorf("with ingest saturating: %w", err)
	}
	rate := float64(len(b.hosts)) / b.c.ingestEvery.Seconds()
	b.res.apiPacedRate = rate
	if b.res.apiPaced, err = b.apiPhase(ctx, an, rate); err != nil {
		return fmt.Errorf("with paced ingest: %w", err)
	}
	if b.c.latLog != "" {
		return b.writeLatLog(b.c.latLog + "." + b.res.engine)
	}
	return nil
}

// writeLatLog writes every recorded request of the load phases, one per
// line, to see when slow requests happen.
func (b *bench) writeLatLog(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# phase start_us latency_us request; start_us counts from the phase's start, given below as Unix µs")
	fmt.Fprintf(w, "# saturating %d\n# paced %d\n", b.res.apiSaturated.start.UnixMicro(), b.res.apiPaced.start.UnixMicro())
	for _, ph := range []struct {
		name string
		run  *apiRun
	}{{"saturating", b.res.apiSaturated}, {"paced", b.res.apiPaced}} {
		for i := range ph.run.lat {
			fmt.Fprintf(w, "%s %d %d %s\n", ph.name, ph.run.at[i].Microseconds(), ph.run.lat[i].Microseconds(),
				strings.ReplaceAll(apiPaths[ph.run.kind[i]].name, " ", "_"))
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// apiIdle sends every analyst request 100 times, one at a time, with
// nothing else running: the service time each costs, without queueing.
func (b *bench) apiIdle(ctx context.Context, an *fleetclient.Client) (*apiRun, error) {
	run := &apiRun{byPath: make([][]time.Duration, len(apiPaths))}
	rnd := rand.New(rand.NewPCG(5, 6))
	for range 100 {
		for k, p := range apiPaths {
			path, q := p.req(b, rnd)
			t := time.Now()
			if err := b.analystGet(ctx, an, path, q); err != nil {
				return nil, err
			}
			d := time.Since(t)
			run.lat = append(run.lat, d)
			run.byPath[k] = append(run.byPath[k], d)
		}
	}
	return run, nil
}

// apiPhase runs the analysts for -api-warmup and then -api-duration while
// -workers uploaders send deltas of 20 changed files: back to back when
// rate is 0, else at rate uploads per second in all. Only requests and
// uploads started after the warm-up are recorded: the phase starts with
// fifty analysts arriving at once, right after the previous phase's
// uploads were cut off in flight.
func (b *bench) apiPhase(ctx context.Context, an *fleetclient.Client, rate float64) (*apiRun, error) {
	ctx, cancel := context.WithTimeout(ctx, b.c.apiWarmup+b.c.apiDuration)
	defer cancel()
	run := &apiRun{byPath: make([][]time.Duration, len(apiPaths))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	run.start = start
	measured := start.Add(b.c.apiWarmup)
	var next int64 // uploads started, when paced
	for w := range b.c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 9))
			for i := w; ctx.Err() == nil; i += b.c.workers {
				if rate > 0 {
					mu.Lock()
					at := start.Add(time.Duration(float64(next) / rate * float64(time.Second)))
					next++
					mu.Unlock()
					select {
					case <-time.After(time.Until(at)):
					case <-ctx.Done():
						return
					}
				}
				h := b.hosts[i%len(b.hosts)]
				// Each uploader has its own hosts (i ≡ w mod workers).
				t := time.Now()
				if b.upload(ctx, h, b.changeDelta(h, 20, rnd)) == nil && !t.Before(measured) {
					mu.Lock()
					run.ingested++
					mu.Unlock()
				}
			}
		}()
	}
	for c := range b.c.apiClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(c), 77))
			for ctx.Err() == nil {
				k := rnd.IntN(len(apiPaths))
				p, q := apiPaths[k].req(b, rnd)
				t := time.Now()
				err := b.analystGet(ctx, an, p, q)
				d := time.Since(t)
				mu.Lock()
				if err != nil {
					if ctx.Err() == nil {
						run.errors++
					}
				} else if !t.Before(measured) {
					run.lat = append(run.lat, d)
					run.at = append(run.at, t.Sub(start))
					run.kind = append(run.kind, k)
					run.byPath[k] = append(run.byPath[k], d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if run.errors > 0 {
		return nil, fmt.Errorf("%d API errors under load", run.errors)
	}
	return run, nil
}
