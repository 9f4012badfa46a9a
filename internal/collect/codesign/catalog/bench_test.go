package catalog

import (
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/catgen"
)

// BenchmarkIndex parses and indexes 100 catalogs of 3,000 SHA-256 members
// each (a Windows system's CatRoot lists a few hundred thousand), as every
// scan of a Windows source does before its walk, and looks each member up
// once. It reports the time per member (parse, verify, index, sort, look
// up) and the index's heap per member.
//
//	go test ./internal/collect/codesign/catalog -run '^$' -bench BenchmarkIndex -benchtime 1x
func BenchmarkIndex(b *testing.B) {
	p := newPKI(b)
	var blobs [][]byte
	var digests [][]byte
	for c := range 100 {
		var ms []catgen.Member
		for i := range 3000 {
			var n [8]byte
			binary.LittleEndian.PutUint64(n[:], uint64(c*100000+i))
			d := sha256.Sum256(n[:])
			ms = append(ms, catgen.Member{File: fmt.Sprintf("file%06d.dll", i), Digest: d[:]})
			digests = append(digests, d[:])
		}
		blobs = append(blobs, p.build(b, true, ms...))
	}
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		x := &Index{}
		for i, blob := range blobs {
			c, err := Parse(blob, 0)
			if err != nil {
				b.Fatal(err)
			}
			x.add(fmt.Sprint(i), c)
		}
		x.sort()
		for _, d := range digests {
			if len(x.Signatures(map[crypto.Hash][]byte{crypto.SHA256: d})) != 1 {
				b.Fatal("a member was not found")
			}
		}
		el := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(el.Nanoseconds())/1000/float64(x.Members()), "µs/member")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(x.Members()), "B/member")
		runtime.KeepAlive(x)
	}
	runtime.KeepAlive(blobs)
}
