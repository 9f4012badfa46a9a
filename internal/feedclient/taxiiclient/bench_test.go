package taxiiclient

import (
	"encoding/json"
	"flag"
	"testing"

	"github.com/cascade-ir/cascade/internal/feedclient/taxiitest"
)

var benchObjects = flag.Int("objects", 100_000, "objects in the benchmark's collection")

// BenchmarkPull pages through a whole collection on loopback (1000 objects
// a page) and reports objects/s read by the client: HTTP, the capped read,
// envelope decoding and the per-object check.
//
//	go test -run '^$' -bench BenchmarkPull -benchtime 3x ./internal/feedclient/taxiiclient -objects 1000000
func BenchmarkPull(b *testing.B) {
	srv, ts := taxiitest.New(b, *benchObjects)
	srv.MaxLimit = 1000
	c, err := New(ts.URL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		_, err := c.Pull(bg, ts.URL+"/api1/", "c1", PullOptions{Limit: 1000, MaxPages: 1 << 20}, func(p []json.RawMessage) error {
			n += len(p)
			return nil
		})
		if err != nil || n != *benchObjects {
			b.Fatalf("%d objects, %v", n, err)
		}
	}
	b.ReportMetric(float64(*benchObjects)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
