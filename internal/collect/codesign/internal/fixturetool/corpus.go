package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/pegen"
)

var vendors = [][2]string{
	{"3CX Ltd", "3CX Desktop App"}, {"Example Software Ltd", "Example Tool"},
	{"Contoso Corporation", "Contoso Agent"}, {"Fabrikam, Inc.", "Fabrikam Viewer"},
}

// cmdPECorpus writes N unsigned PE images whose .text sizes follow a
// log-uniform distribution between -min and -max bytes, with varied
// version resources and compile times, for the signing benchmark.
func cmdPECorpus(args []string) error {
	fs := flag.NewFlagSet("pe-corpus", flag.ContinueOnError)
	dir := fs.String("o", "", "output directory")
	n := fs.Int("n", 10000, "number of images")
	minSize := fs.Int("min", 8<<10, "smallest .text")
	maxSize := fs.Int("max", 1<<20, "largest .text")
	seed := fs.Int64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *n <= 0 || *minSize <= 0 || *maxSize < *minSize {
		return fmt.Errorf("usage: pe-corpus -o DIR [-n N] [-min BYTES] [-max BYTES]")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(*seed))
	lo, hi := math.Log(float64(*minSize)), math.Log(float64(*maxSize))
	for i := 0; i < *n; i++ {
		v := vendors[i%len(vendors)]
		ver := fmt.Sprintf("1.%d.%d.0", i/1000, i%1000)
		spec := pegen.Spec{
			CompileTime: uint32(1600000000 + rng.Intn(60_000_000)),
			CodeSize:    int(math.Exp(lo + rng.Float64()*(hi-lo))),
			Seed:        uint64(i) + 1,
			FileVersion: [4]uint16{1, uint16(i / 1000), uint16(i % 1000), 0},
			Strings: [][2]string{{"CompanyName", v[0]}, {"ProductName", v[1]}, {"FileVersion", ver},
				{"ProductVersion", ver}, {"OriginalFilename", fmt.Sprintf("app%05d.exe", i)}},
		}
		name := filepath.Join(*dir, fmt.Sprintf("app%05d.exe", i))
		if err := os.WriteFile(name, pegen.Build(spec), 0o644); err != nil {
			return err
		}
	}
	return nil
}
