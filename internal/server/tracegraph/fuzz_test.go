package tracegraph_test

import (
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/cascade"
	"github.com/cascade-ir/cascade/internal/server/tracegraph"
)

// FuzzLoadSBOM: any bytes as a local SBOM either load into a graph that
// builds or fail with an error; never a panic or a hang.
func FuzzLoadSBOM(f *testing.F) {
	for _, p := range []string{"testdata/3cx-416.cdx.json", "testdata/3cx-402.spdx.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("SPDXVersion: SPDX-2.3\nDocumentName: app-1.0\nPackageName: app\nPackageVersion: 1.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := cascade.NewBuilder()
		if err := tracegraph.LoadSBOM("fuzz", data, b); err == nil {
			if _, err := b.Build(); err != nil {
				t.Fatalf("an SBOM that loads builds no graph: %v", err)
			}
		}
	})
}
