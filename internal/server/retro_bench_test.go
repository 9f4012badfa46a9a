package server

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// BenchmarkRetroDiff100k compares two saved results of 100,000 nodes (1%
// added, 1% earlier) and encodes the new one as the store keeps it: the
// work a recomputation adds to the trace itself.
//
//	go test -run '^$' -bench BenchmarkRetroDiff100k -benchmem ./internal/server/
func BenchmarkRetroDiff100k(b *testing.B) {
	const n = 100000
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(shift bool) *fleet.TraceSummary {
		s := &fleet.TraceSummary{}
		for i := range n {
			t := t0.Add(time.Duration(i) * time.Minute)
			if shift && i%100 == 0 {
				t = t.Add(-time.Hour)
			}
			s.Nodes = append(s.Nodes, fleet.TraceNode{ID: fmt.Sprintf("host:h%07d", i), Kind: "host", Time: t, Confidence: 0.9, Via: "host:h0000000", HostID: int64(i + 1)})
		}
		if shift {
			for i := range n / 100 {
				s.Nodes = append(s.Nodes, fleet.TraceNode{ID: fmt.Sprintf("release:r@%d", i), Kind: "release", Time: t0, Suspect: true})
			}
		}
		return s
	}
	last := &fleet.TraceVersion{Version: 1, Result: *mk(false)}
	now := mk(true)
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		c := diffSummaries(last, now)
		if len(c.Added) != n/100 || len(c.Earlier) != n/100 {
			b.Fatalf("added %d earlier %d", len(c.Added), len(c.Earlier))
		}
		buf, err := json.Marshal(fleet.TraceVersion{Result: *now, Changes: c})
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	b.ReportMetric(float64(size)/1e6, "MB/version")
}
