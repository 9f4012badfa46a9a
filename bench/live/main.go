// Command live benchmarks the live-state sweep: it starts -procs sleeping
// children (a copy of sleep in a temp directory, killed and reaped at the
// end, also on interrupt), then times, side by side in one run, the bare
// sweep (processes, modules, sockets; no hashing) and the sweep as a live
// scan runs it, with every distinct image and module hashed through the
// collection engine's file-record path (no digest cache: the cold case;
// the walk itself is excluded so only the sweep's files are read).
//
//	go run ./bench/live -procs 1000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/live"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
)

const maxProcs = 5000

func main() {
	procs := flag.Int("procs", 1000, "sleeping children to start (at most 5000)")
	rounds := flag.Int("rounds", 3, "runs of each side (the best one counts)")
	flag.Parse()
	if err := run(*procs, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "live bench:", err)
		os.Exit(1)
	}
}

func run(n, rounds int) error {
	if n < 0 || n > maxProcs {
		return fmt.Errorf("-procs must be 0…%d", maxProcs)
	}
	dir, err := os.MkdirTemp("", "cascade-live-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kids, err := startChildren(dir, n)
	defer stopChildren(kids)
	if err != nil {
		return err
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() { <-stop; stopChildren(kids); os.Exit(130) }()

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("children started: %d; load average: %s\n", len(kids), strings.TrimSpace(string(load)))
	bare := best(rounds, func() string {
		r := live.Sweep(context.Background())
		return fmt.Sprintf("%d processes, %d sockets", len(r.Processes), len(r.Connections))
	})
	fmt.Printf("sweep, no hashing:          %s\n", bare)
	hashed := best(rounds, func() string {
		snap, err := hashedSweep()
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%d processes, %d files hashed, %d MB", count(snap, snapshot.ArtifactProcess),
			snap.Stats.FilesHashed, snap.Stats.BytesHashed>>20)
	})
	fmt.Printf("sweep + SHA-256 of images and modules (cold, no cache): %s\n", hashed)
	return nil
}

// hashedSweep is the sweep inside a collection of the live root whose walk
// is excluded, so the engine reads only the files the sweep pinned.
func hashedSweep() (*snapshot.Snapshot, error) {
	src, err := source.Open("", source.Options{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return collect.Collect(context.Background(), src, collect.Options{
		Digests: collect.Digests{SHA256: true}, Exclude: []string{"*"},
		HostCollectors: []collect.HostCollector{live.New()},
		Keep:           func(*snapshot.File) bool { return false }})
}

func count(s *snapshot.Snapshot, kind string) int {
	n := 0
	for _, a := range s.Artifacts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// best runs f rounds times and reports the fastest wall time with its CPU
// time (user+system of this process).
func best(rounds int, f func() string) string {
	var bw, bc time.Duration
	var what string
	for i := range max(1, rounds) {
		c0 := cpuTime()
		t0 := time.Now()
		what = f()
		w, c := time.Since(t0), cpuTime()-c0
		if i == 0 || w < bw {
			bw, bc = w, c
		}
	}
	return fmt.Sprintf("wall %v, cpu %v (%s)", bw.Round(time.Millisecond), bc.Round(time.Millisecond), what)
}

func startChildren(dir string, n int) ([]*exec.Cmd, error) {
	src, err := exec.LookPath("sleep")
	if err != nil {
		return nil, err
	}
	img := filepath.Join(dir, "cascade-bench-sleeper")
	if err := copyFile(src, img); err != nil {
		return nil, err
	}
	var kids []*exec.Cmd
	for range n {
		cmd := exec.Command(img, "600") // ends on its own if this process is killed
		if err := cmd.Start(); err != nil {
			return kids, fmt.Errorf("child %d: %w", len(kids), err)
		}
		kids = append(kids, cmd)
	}
	return kids, nil
}

func stopChildren(kids []*exec.Cmd) {
	for _, k := range kids {
		k.Process.Kill()
	}
	for _, k := range kids {
		k.Wait()
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
