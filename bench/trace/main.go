// Command trace benchmarks the cascade tracer: it generates a graph of N
// nodes and M timed edges (hosts, releases, organizations and packages
// joined by every edge kind, intervals over three years, a deterministic
// seed), builds it, and times a full forward trace and a backwards trace,
// then reports the peak memory (Go's own figures and the kernel's VmHWM).
// Nothing is timed in a test; run it and read the figures:
//
//	go run ./bench/trace
//	go run ./bench/trace -nodes 100000 -edges 1000000 -runs 5
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/cascade"
)

func main() {
	nodes := flag.Int("nodes", 1_000_000, "nodes in the generated graph")
	edges := flag.Int("edges", 10_000_000, "timed edges in the generated graph")
	runs := flag.Int("runs", 3, "forward traces to time (the best and the worst are shown)")
	seed := flag.Uint64("seed", 18, "random seed of the generator")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the traces to this file (labelled trace=forward or trace=backwards: go tool pprof -tagfocus trace=forward)")
	flag.BoolVar(&backwards, "backwards", true, "also time a backwards trace (it builds the reverse rows)")
	flag.Parse()
	profile = *prof
	if err := run(*nodes, *edges, *runs, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "bench/trace:", err)
		os.Exit(1)
	}
}

func run(nodes, edges, runs int, seed uint64) error {
	ctx := context.Background()
	t0 := time.Now()
	b, first, err := generate(nodes, edges, seed)
	if err != nil {
		return err
	}
	g, err := b.Build()
	if err != nil {
		return err
	}
	b = nil
	tBuild := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	graphHeap := ms.HeapAlloc
	fmt.Printf("graph: %d nodes, %d edges, built in %v, heap %s, in huge pages %s\n", g.NumNodes(), g.NumArcs(), tBuild.Round(time.Millisecond), mib(graphHeap), hugeRSS())
	at := epoch.Add(3 * 365 * 24 * time.Hour)
	o := cascade.Options{Seeds: []cascade.Seed{{Node: first, Time: epoch}}, At: at, Skew: 5 * time.Minute}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var lo, hi time.Duration
	reached, labels := 0, 0
	for i := range runs {
		t, c := time.Now(), cpuTime()
		var r *cascade.Result
		pprof.Do(ctx, pprof.Labels("trace", "forward"), func(ctx context.Context) { r, err = cascade.Trace(ctx, g, o) })
		if err != nil {
			return err
		}
		d, cpu := time.Since(t), cpuTime()-c
		runtime.ReadMemStats(&ms)
		tracePeak = max(tracePeak, ms.HeapAlloc)
		reached, labels = r.Count(), r.Labels()
		fmt.Printf("  run %d: %v wall, %v CPU\n", i+1, d.Round(time.Millisecond), cpu.Round(time.Millisecond))
		if i == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
		r = nil
		runtime.GC()
	}
	fmt.Printf("forward trace from %s: %d nodes reached (%d labels); best %v, worst %v wall of %d runs\n", first, reached, labels, lo.Round(time.Millisecond), hi.Round(time.Millisecond), runs)
	fmt.Printf("memory after build and forward traces: Go heap peak during a trace %s, Go runtime total (Sys) %s, kernel peak RSS (VmHWM) %s\n",
		mib(tracePeak), mib(sysAfter()), vmHWM())
	if !backwards {
		pprof.StopCPUProfile()
		return nil
	}
	t, c := time.Now(), cpuTime()
	var br *cascade.BackResult
	pprof.Do(ctx, pprof.Labels("trace", "backwards"), func(ctx context.Context) {
		br, err = cascade.Backtrace(ctx, g, cascade.Options{Seeds: []cascade.Seed{{Node: "h0000001", Time: at}}, At: at, Skew: 5 * time.Minute})
	})
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	fmt.Printf("backwards trace from h0000001: %d upstream nodes in %v wall, %v CPU (reverse rows included)\n", len(br.Upstream),
		time.Since(t).Round(time.Millisecond), (cpuTime() - c).Round(time.Millisecond))
	runtime.ReadMemStats(&ms)
	fmt.Printf("memory after the backwards trace: Go heap now %s, Go runtime total (Sys) %s, kernel peak RSS (VmHWM) %s\n", mib(ms.HeapAlloc), mib(ms.Sys), vmHWM())
	runtime.KeepAlive(g)
	return nil
}

var (
	profile   string
	backwards bool
	tracePeak uint64
)

func sysAfter() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Sys
}

var epoch = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

// generate builds a graph: 70% hosts, 20% releases, 5% orgs, 5% packages;
// edges of every kind in proportion to how many a fleet would have.
func generate(nodes, edges int, seed uint64) (*cascade.Builder, string, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := cascade.NewBuilder()
	var ids [5][]string
	kinds := []struct {
		k      cascade.NodeKind
		prefix string
		share  int
	}{{cascade.Host, "h", 70}, {cascade.Release, "r", 20}, {cascade.Org, "o", 5}, {cascade.Package, "p", 5}}
	for _, k := range kinds {
		n := nodes * k.share / 100
		for i := range n {
			id := fmt.Sprintf("%s%07d", k.prefix, i)
			ids[k.k] = append(ids[k.k], id)
			if err := b.AddNode(cascade.Node{ID: id, Kind: k.k}); err != nil {
				return nil, "", err
			}
		}
	}
	span := int64(3 * 365 * 24 * 3600)
	pick := func(k cascade.NodeKind) string { s := ids[k]; return s[r.IntN(len(s))] }
	for i := range edges {
		var e cascade.Edge
		switch x := i % 20; {
		case x < 9:
			e = cascade.Edge{Kind: cascade.Ran, From: pick(cascade.Host), To: pick(cascade.Release)}
		case x < 13:
			e = cascade.Edge{Kind: cascade.Reaches, From: pick(cascade.Host), To: pick(cascade.Host)}
		case x < 15:
			e = cascade.Edge{Kind: cascade.BuiltOn, From: pick(cascade.Release), To: pick(cascade.Host)}
		case x < 18:
			e = cascade.Edge{Kind: cascade.ShippedTo, From: pick(cascade.Release), To: pick(cascade.Org)}
		default:
			e = cascade.Edge{Kind: cascade.DependsOn, From: pick(cascade.Release), To: pick(cascade.Package)}
		}
		if e.From == e.To {
			e.To = pick(cascade.Host)
			e.Kind = cascade.Reaches
			if e.From[0] != 'h' || e.From == e.To {
				continue
			}
		}
		from := epoch.Unix() + r.Int64N(span)
		until := cascade.Never
		if r.IntN(3) > 0 {
			until = from + 1 + r.Int64N(span/6)
		}
		e.Valid = cascade.Interval{From: from, Until: until}
		e.Confidence = 1
		if r.IntN(10) == 0 {
			e.Confidence = 0.8
		}
		if err := b.AddEdge(e); err != nil {
			return nil, "", err
		}
	}
	return b, ids[cascade.Release][0], nil
}

func mib(n uint64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// vmHWM reads the kernel's peak resident set size (Linux only).
func vmHWM() string { return procField("/proc/self/status", "VmHWM:") }

// hugeRSS reads how much of the process's memory the kernel backs with
// transparent huge pages (Linux only): the graph asks for them.
func hugeRSS() string { return procField("/proc/self/smaps_rollup", "AnonHugePages:") }

func procField(file, field string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return "unknown (" + runtime.GOOS + ")"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
