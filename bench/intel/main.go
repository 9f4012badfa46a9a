// Command intel benchmarks the STIX intel path: generate N STIX indicators
// (mostly hash and domain equality patterns, some complex patterns), load
// and compile them, and match a generated snapshot of M files and
// artifacts; then stream a bundle of about -bundle-mb megabytes and report
// the peak memory. Nothing is timed in a test; run it and read the figures:
//
//	go run ./bench/intel
//	go run ./bench/intel -indicators 100000 -files 50000 -bundle-mb 100
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/intel/stix"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func main() {
	n := flag.Int("indicators", 100_000, "STIX indicators to compile")
	files := flag.Int("files", 50_000, "files in the matched snapshot")
	mb := flag.Int("bundle-mb", 100, "size of the streamed bundle in megabytes (0: skip)")
	dir := flag.String("dir", os.TempDir(), "where to write the generated bundles")
	flag.Parse()
	if err := run(*n, *files, *mb, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/intel:", err)
		os.Exit(1)
	}
}

func run(n, files, mb int, dir string) error {
	small := filepath.Join(dir, "cascade-bench-indicators.json")
	if _, err := writeBundle(small, n, 0); err != nil {
		return err
	}
	defer os.Remove(small)
	t0 := time.Now()
	in, err := stix.LoadFile(small)
	if err != nil {
		return err
	}
	tLoad := time.Since(t0)
	t1 := time.Now()
	set, err := match.Compile(in)
	if err != nil {
		return err
	}
	tCompile := time.Since(t1)
	snap := snapshotFor(files)
	t2 := time.Now()
	found := set.Match(snap)
	tMatch := time.Since(t2)
	fmt.Printf("%d STIX indicators (%d model indicators): load %v, compile %v, load+compile %v\n",
		n, len(in.Indicators), tLoad.Round(time.Millisecond), tCompile.Round(time.Millisecond), (tLoad + tCompile).Round(time.Millisecond))
	fmt.Printf("snapshot of %d files + %d artifacts matched in %v: %d findings\n",
		len(snap.Files), len(snap.Artifacts), tMatch.Round(time.Millisecond), len(found))
	if mb > 0 {
		return bigBundle(dir, mb)
	}
	return nil
}

// bigBundle writes a bundle of about mb megabytes and loads it, reporting
// time and peak memory.
func bigBundle(dir string, mb int) error {
	big := filepath.Join(dir, "cascade-bench-big.json")
	count, err := writeBundle(big, 0, int64(mb)<<20)
	if err != nil {
		return err
	}
	defer os.Remove(big)
	st, _ := os.Stat(big)
	runtime.GC()
	t0 := time.Now()
	in, err := stix.LoadFile(big)
	if err != nil {
		return err
	}
	d := time.Since(t0)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%.1f MB bundle (%d objects) streamed in %v: %d indicators; Go heap in use %d MB, from the OS %d MB, peak RSS %s\n",
		float64(st.Size())/(1<<20), count, d.Round(time.Millisecond), len(in.Indicators), ms.HeapInuse>>20, ms.Sys>>20, peakRSS())
	return nil
}

// peakRSS reads the process's high-water resident set size (Linux).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func digest(kind string, i int) string {
	s := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", kind, i)))
	return hex.EncodeToString(s[:])
}

// writeBundle writes n indicators, or as many as fill size bytes: 80 %
// SHA-256 equality, 10 % two-hash ORs, 5 % domains, 5 % complex patterns
// the evaluator would take (AND of name and hash).
func writeBundle(name string, n int, size int64) (int, error) {
	f, err := os.Create(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, `{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [`)
	fmt.Fprintln(w, `  {"type": "identity", "spec_version": "2.1", "id": "identity--00000000-0000-4000-8000-000000000001", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "bench"}`)
	var written int64
	i := 0
	for ; n > 0 && i < n || size > 0 && written < size; i++ {
		line := indicatorLine(i)
		written += int64(len(line))
		w.WriteString(line)
	}
	w.WriteString("\n]}\n")
	return i + 1, w.Flush()
}

func indicatorLine(i int) string {
	var p string
	switch {
	case i%20 < 16:
		p = fmt.Sprintf("[file:hashes.'SHA-256' = '%s']", digest("file", i))
	case i%20 < 18:
		p = fmt.Sprintf("[file:hashes.'SHA-256' = '%s' OR file:hashes.MD5 = '%s']", digest("file", i), digest("md5", i)[:32])
	case i%20 == 18:
		p = fmt.Sprintf("[domain-name:value = 'c2-%d.example.net']", i)
	default:
		p = fmt.Sprintf("[file:name = 'x%d.dll' AND file:hashes.'SHA-1' = '%s']", i, digest("sha1", i)[:40])
	}
	return fmt.Sprintf(`,
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--%08x-0000-4000-8000-%012x", "created_by_ref": "identity--00000000-0000-4000-8000-000000000001", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "bench indicator %d", "description": "generated for the intel benchmark", "indicator_types": ["malicious-activity"], "pattern": %q, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": "2024-01-01T00:00:00Z", "labels": ["bench", "tlp:clear"]}`,
		i, i, i, p)
}

// snapshotFor makes a snapshot of files; every 1000th file carries an
// indicator's digest, the rest random ones; every 100th file adds a DNS
// artifact, some of them for listed domains.
func snapshotFor(files int) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Schema: snapshot.Schema, Host: snapshot.Host{Name: "bench", CollectedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}
	for i := range files {
		h := digest("clean", i)
		if i%1000 == 0 {
			h = digest("file", i)
		}
		s.Files = append(s.Files, snapshot.File{Path: fmt.Sprintf(`C:\Program Files\App%d\bin\file%d.dll`, i%500, i),
			Size: int64(1000 + i), SHA256: h, MD5: digest("m", i)[:32]})
		if i%100 == 0 {
			s.Artifacts = append(s.Artifacts, snapshot.Artifact{Kind: "dns-cache", Source: "bench", Domain: fmt.Sprintf("c2-%d.example.net", i+18)})
		}
	}
	return s
}
