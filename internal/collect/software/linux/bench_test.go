package linux

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// BenchmarkParseDpkgStatus parses the fixture's status file repeated to
// about 8000 packages (a large server has 2000–5000).
func BenchmarkParseDpkgStatus(b *testing.B) {
	one, err := os.ReadFile(filepath.Join(testutil.RepoRoot(b), "testdata/fixtures/linux/dpkg-status"))
	if err != nil {
		b.Fatal(err)
	}
	var data bytes.Buffer
	for i := 0; i < 1000; i++ {
		data.Write(bytes.ReplaceAll(one, []byte("Package: "), []byte(fmt.Sprintf("Package: p%d-", i))))
		data.WriteString("\n")
	}
	b.SetBytes(int64(data.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkgs, err := parseDpkgStatus(data.Bytes(), false)
		if err != nil || len(pkgs) != 7000 {
			b.Fatalf("%d packages, %v", len(pkgs), err)
		}
	}
}

// BenchmarkReadBerkeleyDB reads a synthetic hash database of header
// blobs on overflow pages.
func BenchmarkReadBerkeleyDB(b *testing.B) {
	blobs := make([][]byte, 150)
	for i := range blobs {
		blobs[i] = tinyHeader()
	}
	db := buildBDB(blobs, false)
	b.SetBytes(int64(len(db)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		var probs problems
		err := readBDB(bytes.NewReader(db), int64(len(db)), func(_ string, blob []byte) {
			if _, err := parseHeader(blob); err == nil {
				n++
			}
		}, &probs)
		if err != nil || n != len(blobs) {
			b.Fatalf("%d headers, %v %v", n, err, probs.err())
		}
	}
}
