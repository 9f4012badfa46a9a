// Package stix loads STIX 2.1 content (bundles and bare object arrays) into
// cascade's intel model and exports the model as a STIX 2.1 bundle.
//
// Loading streams the objects array one element at a time, so a bundle of
// hundreds of megabytes never sits in memory as generic JSON. Indicators
// whose pattern is a plain list of equality tests on hashes, file names,
// domains, URLs or addresses become native indicators (indexed by the
// matcher); other STIX patterns stay intel.STIX indicators for the pattern
// evaluator, YARA rules become intel.YARA, and patterns in other languages
// are kept as intel.OtherPattern and reported as not evaluated.
package stix

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/intel"
)

// Limits bound what one document may hold.
const (
	MaxObjects = 20_000_000
	maxErrors  = 100
	// maxUnknownWarnings caps warnings per kind, the rest are counted.
	maxUnknownWarnings = 5
)

// LoadFile streams one STIX file from disk.
func LoadFile(name string) (*intel.Intel, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("intel %s: %w", name, err)
	}
	defer f.Close()
	pos := func(off int64) (int, int) { return intel.FileLineCol(name, off) }
	return load(name, bufio.NewReaderSize(f, 1<<20), pos)
}

// Load reads STIX content from data; name is used in errors.
func Load(name string, data []byte) (*intel.Intel, error) {
	pos := func(off int64) (int, int) { return intel.LineCol(data, off) }
	return load(name, bytes.NewReader(data), pos)
}

func load(name string, r io.Reader, pos func(int64) (int, int)) (*intel.Intel, error) {
	b := newBuilder(name, filepath.Base(name), pos)
	if err := decode(r, b); err != nil {
		return nil, err
	}
	return b.finish()
}
