package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
	"github.com/cascade-ir/cascade/internal/store/sqlite"
)

// matchEveryFile raises one alert-level finding per file observation.
func matchEveryFile(_ context.Context, _ int64, obs []store.Obs) ([]store.Hit, error) {
	var hits []store.Hit
	for _, o := range obs {
		if o.File == nil {
			continue
		}
		f := finding.Finding{ID: fmt.Sprintf("%s-%s", o.HostUID, o.File.SHA256[48:]), Host: o.HostUID, Title: "bad file " + o.File.Path,
			Score: 90, Level: finding.LevelOf(90), Evidence: finding.Evidence{Kind: "file", Path: o.File.Path, SHA256: o.File.SHA256},
			Reasons: []finding.Reason{{Kind: "sha256", IndicatorID: "ioc-1", Matched: o.File.SHA256, Score: 90}}}
		hits = append(hits, store.Hit{Finding: f, HostID: o.HostID, ObsID: o.ID, ObsKind: o.Kind, Indicators: []string{"ioc-1"}})
	}
	return hits, nil
}

func benchSnap(uid string, files int, at time.Time) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, ID: uid + at.String(), Host: snapshot.Host{ID: uid, Name: uid, OS: "linux", CollectedAt: at, Collector: "bench"}}
	for i := range files {
		s.Files = append(s.Files, snapshot.File{Path: fmt.Sprintf("/opt/%s/f%d", uid, i), Size: 1, Type: "elf", SHA256: fmt.Sprintf("%064x", (int64(len(uid))<<40)+int64(i)+int64(at.Unix()%1000)<<20)})
	}
	return s
}

// BenchmarkAlerts queues 10,000 findings (CASCADE_ALERT_BENCH_N) for a
// webhook served in process and reports deliveries per second, with each
// attempt recorded in its own transaction (per-row, as before results
// were batched) and with a round's attempts in one transaction (batched),
// side by side. While the worker drains the queue, 100 small ingests (20
// new findings each, so 2,000 more deliveries) are timed; the same
// ingests into a store without sinks or worker give the baseline. Run
// with -benchtime=1x:
//
//	go test -run '^$' -bench BenchmarkAlerts -benchtime=1x ./internal/server/
func BenchmarkAlerts(b *testing.B) {
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer recv.Close()
	open := func(b *testing.B, sink bool) (*Server, store.Store) {
		st, err := sqlite.Open(bg, filepath.Join(b.TempDir(), "a.db"), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		s, err := New(Config{Store: st, AlertAllowLoopback: true, AlertTimeout: 5 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		if sink {
			if _, err := st.AddAlertSink(bg, fleet.AlertSink{Name: "bench", Kind: fleet.SinkWebhook, Destination: recv.URL + "/hook", Secret: "k", MaxQueue: 1_000_000}, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		return s, st
	}
	ingest := func(b *testing.B, st store.Store, uid string, files int, at time.Time) time.Duration {
		h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: uid}, nil, at)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := st.Ingest(bg, &store.Incoming{HostID: h.ID, UploadID: uid + at.String(), Kind: store.KindFull, Snapshot: benchSnap(uid, files, at), Received: at}, matchEveryFile); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	const small, smallFiles = 100, 20
	p95 := func(b *testing.B, st store.Store, tag string) float64 {
		var ds []time.Duration
		for i := range small {
			ds = append(ds, ingest(b, st, fmt.Sprintf("%s-%d", tag, i), smallFiles, time.Now()))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)*95/100].Microseconds()) / 1000
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CASCADE_ALERT_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for _, mode := range []string{"per-row", "batched"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				s, st := open(b, true)
				s.alerts.recordEach = mode == "per-row"
				received.Store(0)
				t0 := time.Now()
				ingest(b, st, "big", n, time.Now())
				b.Logf("queued %d findings in %v", n, time.Since(t0))
				ctx, cancel := context.WithCancel(bg)
				start := time.Now()
				done := make(chan struct{})
				go func() { defer close(done); s.alerts.loop(ctx) }()
				// Ingest while the worker drains the queue.
				b.ReportMetric(p95(b, st, "with"), "ingest-p95-ms-while-delivering")
				want := int64(n + small*smallFiles)
				for received.Load() < want {
					time.Sleep(2 * time.Millisecond)
				}
				el := time.Since(start)
				b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
				cancel()
				<-done
			}
		})
	}
	b.Run("no-sink", func(b *testing.B) {
		for range b.N {
			_, bare := open(b, false)
			ingest(b, bare, "big", n, time.Now())
			b.ReportMetric(p95(b, bare, "bare"), "ingest-p95-ms")
		}
	})
}
