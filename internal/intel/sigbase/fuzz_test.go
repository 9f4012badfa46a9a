package sigbase

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
)

// addSeeds adds the testdata files and a few awkward inputs to a corpus.
func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{"", "\n", "#", ";", ";;;", "\xef\xbb\xbf", "\r\n\r\n", "\xff\xfe;\x00",
		"a;b;c;d", "[", "{,", "\\", "(?!", "1.2.3.4/33", "::1", "*.", "[.]"} {
		f.Add([]byte(s))
	}
}

// checkErr requires a failed load to explain itself with a LoadError for
// the named file.
func checkErr(t *testing.T, name string, err error) {
	var le *intel.LoadError
	if !errors.As(err, &le) || le.File != name || le.Line < 0 {
		t.Fatalf("error %v is not a LoadError for %s", err, name)
	}
}

func FuzzHashes(f *testing.F) {
	addSeeds(f, "testdata/hash-iocs.txt", "testdata/hash-iocs-bom.txt", "testdata/bad-hash-iocs.txt")
	f.Add([]byte("0123456789abcdef0123456789abcdef;100;x\n0123456789ABCDEF0123456789ABCDEF;;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Load("fuzz-hash.txt", bytes.NewReader(data), Options{})
		if err != nil {
			checkErr(t, "fuzz-hash.txt", err)
			return
		}
		total := 0
		for _, h := range in.HashLists {
			total += h.Len()
			for i := range h.Len() {
				ind := h.Indicator(i)
				raw, err := hex.DecodeString(ind.Value)
				if err != nil || ind.Validate() != nil {
					t.Fatalf("entry %d of %s: %+v", i, h.Type, ind)
				}
				if _, ok := h.Lookup(raw); !ok {
					t.Fatalf("entry %s not found in its own list", ind.Value)
				}
			}
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; total > lines {
			t.Fatalf("%d entries from %d lines", total, lines)
		}
	})
}

func FuzzFilenames(f *testing.F) {
	addSeeds(f, "testdata/filename-iocs.txt", "testdata/lookaround-filename-iocs.txt")
	f.Add([]byte("\\\\a[]b]{,3}\\Z;50;x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			in, err := Load("fuzz-filename.txt", bytes.NewReader(data), Options{SkipUnsupported: skip})
			if err != nil {
				checkErr(t, "fuzz-filename.txt", err)
				continue
			}
			if err := in.Validate(); err != nil {
				t.Fatalf("loaded invalid indicators: %v", err)
			}
			for _, ind := range in.Indicators {
				if _, err := intel.CompileFilenameRegex(ind.Value); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func FuzzC2(f *testing.F) {
	addSeeds(f, "testdata/c2-iocs.txt", "testdata/bad-c2-iocs.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Load("fuzz-c2.txt", bytes.NewReader(data), Options{})
		if err != nil {
			checkErr(t, "fuzz-c2.txt", err)
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("loaded invalid indicators: %v", err)
		}
	})
}
