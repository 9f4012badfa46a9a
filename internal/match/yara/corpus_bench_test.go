package yara

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	yr "github.com/cascade-ir/cascade/internal/intel/yara"
)

// BenchmarkCorpus scans every regular file of $CASCADE_YARA_BENCH_DIR
// with the rules of $CASCADE_YARA_BENCH_RULES (e.g. the rule set
// bench/yara generates), for profiling the engine alone:
//
//	CASCADE_YARA_BENCH_RULES=/tmp/r.yar CASCADE_YARA_BENCH_DIR=/tmp/corpus \
//	  go test -run '^$' -bench Corpus -cpuprofile /tmp/cpu.out ./internal/match/yara
func BenchmarkCorpus(b *testing.B) {
	rulesPath, dir := os.Getenv("CASCADE_YARA_BENCH_RULES"), os.Getenv("CASCADE_YARA_BENCH_DIR")
	if rulesPath == "" || dir == "" {
		b.Skip("set CASCADE_YARA_BENCH_RULES and CASCADE_YARA_BENCH_DIR")
	}
	c := yr.NewCompiler()
	if err := c.AddFile(rulesPath, "default"); err != nil {
		b.Fatal(err)
	}
	rules, err := c.Rules()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(rules)
	if err != nil {
		b.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var files [][]byte
	var total int64
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		d, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, d)
		total += int64(len(d))
	}
	b.SetBytes(total)
	b.ResetTimer()
	for range b.N {
		for _, d := range files {
			if _, err := s.ScanBytes(context.Background(), d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
