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

// BenchmarkAlerts queues 10,000 findings for a webhook served in process
// and reports deliveries per second, then times small ingests (20 new
// findings each) while the worker runs, with and without sinks, side by
// side. Run with -benchtime=1x:
//
//	go test -run '^$' -bench BenchmarkAlerts -benchtime=1x ./internal/server/
func BenchmarkAlerts(b *testing.B) {
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	defer recv.Close()
	open := func(sink bool) (*Server, store.Store) {
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
			if _, err := st.AddAlertSink(bg, fleet.AlertSink{Name: "bench", Kind: fleet.SinkWebhook, Destination: recv.URL + "/hook", Secret: "k", MaxQueue: 100000}, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		return s, st
	}
	ingest := func(st store.Store, uid string, files int, at time.Time) time.Duration {
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
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CASCADE_ALERT_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		// Delivery throughput.
		s, st := open(true)
		received.Store(0)
		t0 := time.Now()
		ingest(st, "big", n, time.Now())
		b.Logf("queued %d findings in %v", n, time.Since(t0))
		ctx, cancel := context.WithCancel(bg)
		start := time.Now()
		done := make(chan struct{})
		go func() { defer close(done); s.alerts.loop(ctx) }()
		for received.Load() < int64(n) {
			time.Sleep(5 * time.Millisecond)
		}
		el := time.Since(start)
		b.ReportMetric(float64(n)/el.Seconds(), "deliveries/s")
		// Ingest latency while the worker runs (with a sink: every ingest
		// queues 20 deliveries), and without a sink.
		p95 := func(st store.Store, tag string) float64 {
			var ds []time.Duration
			for i := range 100 {
				ds = append(ds, ingest(st, fmt.Sprintf("%s-%d", tag, i), 20, time.Now()))
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			return float64(ds[len(ds)*95/100].Microseconds()) / 1000
		}
		b.ReportMetric(p95(st, "with"), "ingest-p95-ms-with-sink")
		cancel()
		<-done
		_, bare := open(false)
		b.ReportMetric(p95(bare, "bare"), "ingest-p95-ms-no-sink")
	}
}
