package sigbase

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// synthList streams a hash list of n lines without holding it in memory:
// MD5, SHA-1 and SHA-256 digests in turn, the comment changing every 1,000
// lines as in real lists, and a score on every tenth line.
type synthList struct {
	n, i int
	buf  []byte
}

func (s *synthList) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i < s.n {
		width := []int{32, 40, 64}[s.i%3]
		s.buf = fmt.Appendf(s.buf, "%0*x;", width, uint64(s.i)*0x9e3779b97f4a7c15)
		if s.i%10 == 0 {
			s.buf = append(s.buf, "70;"...)
		}
		s.buf = fmt.Appendf(s.buf, "Campaign %d report https://reports.example/%d\n", s.i/1000, s.i/1000)
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	return n, nil
}

// TestMillionHashLines loads a 1,000,000-line list and checks the memory it
// takes: the live heap of the loaded lists, the bytes allocated per entry
// while loading, and the memory obtained from the OS (a ceiling on the
// peak).
func TestMillionHashLines(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1M-line load skipped in -short and -race runs")
	}
	const n = 1_000_000
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	in, err := Load("synthetic-hash-iocs.txt", &synthList{n: n}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := in.Counts(); got["md5"]+got["sha1"]+got["sha256"] != n {
		t.Fatalf("loaded %v, want %d entries", got, n)
	}
	live := after.HeapAlloc - before.HeapAlloc
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("1M lines: live heap %.1f MB (%.0f B/entry), allocated %.0f B/entry, memory from OS %.1f MB",
		mb(live), float64(live)/n, float64(allocated)/n, mb(after.Sys))
	if live > 80<<20 {
		t.Errorf("live heap %.1f MB for 1M entries, want under 80 MB", mb(live))
	}
	if after.Sys > 200<<20 {
		t.Errorf("memory obtained from the OS %.1f MB, want under 200 MB", mb(after.Sys))
	}
	runtime.KeepAlive(in)
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkLoadHashes reports the time and the bytes allocated per entry
// for a 100,000-line list held in memory.
func BenchmarkLoadHashes(b *testing.B) {
	const n = 100_000
	data, err := io.ReadAll(&synthList{n: n})
	if err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if _, err := Load("synthetic-hash-iocs.txt", bytes.NewReader(data), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	entries := float64(b.N) * n
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/entries, "alloc-B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/entries, "ns/entry")
}
