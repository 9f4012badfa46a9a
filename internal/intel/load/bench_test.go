package load

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel/misp"
)

// BenchmarkDetectNameAfterList measures the sniffer's worst real case: a
// warninglist whose "name" follows a million-entry "list", as
// misp-warninglists writes its large lists (keys sorted).
func BenchmarkDetectNameAfterList(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"description": "synthetic", "list": [`)
	for i := range 1_000_000 {
		if i > 0 {
			buf.WriteString(", ")
		}
		fmt.Fprintf(&buf, "%q", fmt.Sprintf("host%d.example.com", i))
	}
	buf.WriteString(`], "matching_attributes": ["hostname"], "name": "synthetic", "type": "hostname", "version": 1}`)
	data := buf.Bytes()
	b.Run("detect", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if f := Detect("list.json", data); f != FormatWarninglist {
				b.Fatal(f)
			}
		}
	})
	b.Run("load", func(b *testing.B) { // for scale: what the loader then costs
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := misp.LoadWarninglist("list.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
