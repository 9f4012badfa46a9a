package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
// webhook served in process and drains them while small uploads (20 new
// findings each, so more deliveries) are stored back to back, as a busy
// fleet would; it reports deliveries per second and the uploads' p95.
// The sub-benchmarks run in one process, side by side:
//
//   - no-sink: the same uploads into a store without sinks or worker, the
//     baseline;
//   - queued-only: a sink but no worker, so uploads queue deliveries
//     nobody sends: what having alerts costs an upload by itself;
//   - unpaced: the worker as before it stepped aside for ingest (full
//     batches, 32 sends at once, writes whenever it likes);
//   - paced: the worker as it runs (alerts_pace.go);
//   - no-sink-20/s and paced-20/s: the same two with uploads due at 20 a
//     second (open loop) rather than back to back: a fleet's steady
//     load, where back to back is a saturated server.
//
// Each upload is counted in flight exactly as Server.Ingest counts it.
// Run with -benchtime=1x (and -count=N to repeat them):
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
	// ingest stores one upload, counted in flight as Server.Ingest counts
	// it, and returns how long it took from sched (when it was due; the
	// zero time: when it started).
	ingest := func(b *testing.B, s *Server, st store.Store, uid string, files int, sched time.Time) time.Duration {
		start := time.Now()
		if sched.IsZero() {
			sched = start
		}
		defer s.alerts.ingest.enter()()
		h, err := st.EnsureHost(bg, snapshot.Host{ID: uid, Name: uid}, nil, start)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Ingest(bg, &store.Incoming{HostID: h.ID, UploadID: uid + start.String(), Kind: store.KindFull, Snapshot: benchSnap(uid, files, start), Received: start}, matchEveryFile); err != nil {
			b.Fatal(err)
		}
		return time.Since(sched)
	}
	const minUploads, smallFiles = 100, 20
	// uploadRate is the open-loop sides' upload rate: a fleet of 18,000
	// hosts uploading every 15 minutes, each upload with 20 new findings
	// (400 a second on top of the backlog).
	const uploadRate = 20
	pct := func(ds []time.Duration, p int) float64 {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return float64(ds[len(ds)*p/100].Microseconds()) / 1000
	}
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CASCADE_ALERT_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	// interval is how often an upload is due on a side: every
	// 1/uploadRate s on the -20/s sides, back to back (0) on the others.
	interval := func(mode string) time.Duration {
		if strings.HasSuffix(mode, "/s") {
			return time.Second / uploadRate
		}
		return 0
	}
	// uploads stores small uploads, back to back (every 0) or one due
	// every `every` (open loop: an upload that starts late is timed from
	// when it was due), until more() is false and at least minUploads
	// are done; it returns their times.
	uploads := func(b *testing.B, s *Server, st store.Store, name string, every time.Duration, more func() bool) []time.Duration {
		var ds []time.Duration
		t0 := time.Now()
		least := minUploads
		if every > 0 {
			least = 15 * uploadRate // 15 s: a p95 of 300 uploads
		}
		for i := 0; i < least || more(); i++ {
			var due time.Time
			if every > 0 {
				due = t0.Add(time.Duration(i) * every)
				time.Sleep(time.Until(due))
			}
			ds = append(ds, ingest(b, s, st, fmt.Sprintf("%s-%d", name, i), smallFiles, due))
		}
		return ds
	}
	// no-sink: no outbox at all. queued-only: a sink, so every upload
	// also queues its findings' deliveries in its own transaction, but no
	// worker sends them: the ingest cost of having alerts, against which
	// the worker's own effect (unpaced, paced) is read. The -20/s sides
	// upload at uploadRate instead of back to back.
	for _, mode := range []string{"no-sink", "queued-only", "no-sink-20/s"} {
		b.Run(mode, func(b *testing.B) {
			every := interval(mode)
			for range b.N {
				s, st := open(b, mode == "queued-only")
				ingest(b, s, st, "big", n, time.Time{})
				ds := uploads(b, s, st, "small", every, func() bool { return false })
				b.ReportMetric(pct(ds, 95), "ingest-p95-ms")
				b.ReportMetric(pct(ds, 50), "ingest-p50-ms")
				b.Logf("load average %s", loadAvg())
			}
		})
	}
	for _, mode := range []string{"unpaced", "paced", "paced-20/s"} {
		b.Run(mode, func(b *testing.B) {
			every := interval(mode)
			for range b.N {
				s, st := open(b, true)
				s.alerts.noPace = mode == "unpaced"
				received.Store(0)
				t0 := time.Now()
				ingest(b, s, st, "big", n, time.Time{})
				b.Logf("queued %d findings in %v", n, time.Since(t0))
				ctx, cancel := context.WithCancel(bg)
				start := time.Now()
				done := make(chan struct{})
				go func() { defer close(done); s.alerts.loop(ctx) }()
				// Upload until the queued findings are delivered (at
				// least minUploads), then wait for the uploads' own
				// findings.
				ds := uploads(b, s, st, "with", every, func() bool { return received.Load() < int64(n) })
				during, upEl := received.Load(), time.Since(start)
				want := int64(n + len(ds)*smallFiles)
				for received.Load() < want {
					time.Sleep(2 * time.Millisecond)
				}
				el := time.Since(start)
				b.ReportMetric(pct(ds, 95), "ingest-p95-ms-while-delivering")
				b.ReportMetric(pct(ds, 50), "ingest-p50-ms-while-delivering")
				b.ReportMetric(float64(want)/el.Seconds(), "deliveries/s")
				// While uploads ran: the rate pacing keeps (the rest went
				// out flat out once they stopped).
				b.ReportMetric(float64(during)/upEl.Seconds(), "deliveries/s-while-uploading")
				b.ReportMetric(float64(len(ds)), "uploads")
				b.Logf("%d uploads, %d paced rounds, load average %s", len(ds), s.alerts.paced.Load(), loadAvg())
				cancel()
				<-done
			}
		})
	}
}

// loadAvg is the machine's load average, for the benchmark's log.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
