package peinfo

import (
	"os"
	"path/filepath"
	"testing"
)

// metaCorpus is the real PEs in the repo plus any directory listed in
// CASCADE_PEFILE_CORPUS (colon-separated), read into memory.
func metaCorpus(b testing.TB) [][]byte {
	names := []string{"testdata/YourPhone.exe"}
	m, _ := filepath.Glob("../testdata/realworld/*.dll")
	names = append(names, m...)
	for _, d := range filepath.SplitList(os.Getenv("CASCADE_PEFILE_CORPUS")) {
		for _, ext := range []string{"*.exe", "*.dll", "*.EXE", "*.DLL"} {
			m, _ := filepath.Glob(filepath.Join(d, ext))
			names = append(names, m...)
		}
	}
	var out [][]byte
	for _, n := range names {
		img, err := os.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, img)
	}
	return out
}

// BenchmarkReadVersion: the version resource and debug directory of every
// corpus file, per iteration (go test -bench ReadVersion -benchmem
// ./internal/collect/codesign/peinfo).
func BenchmarkReadVersion(b *testing.B) {
	corpus := metaCorpus(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, img := range corpus {
			readVersion(img, map[string]string{})
		}
	}
	b.ReportMetric(float64(len(corpus)), "files/op")
}
