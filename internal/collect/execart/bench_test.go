package execart_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/execart/pftest"
)

// BenchmarkParseCompressed: one compressed Windows 10 Prefetch file
// referencing 120 files, as the image benchmark in internal/cli has 250 of.
func BenchmarkParseCompressed(b *testing.B) {
	f := pftest.File{Version: 30, Executable: "APP.EXE", RunCount: 5, RunTimes: []time.Time{time.Unix(1.6e9, 0)}}
	for j := range 120 {
		f.Files = append(f.Files, fmt.Sprintf(`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\PROGRAM FILES\APP\LIB%04d.DLL`, j))
	}
	data := pftest.CompressMAM(f.Bytes())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := execart.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
