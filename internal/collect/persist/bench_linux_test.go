//go:build linux

package persist

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign"
	"github.com/cascade-ir/cascade/internal/collect/netart"
	"github.com/cascade-ir/cascade/internal/collect/reach"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// BenchmarkColdScanWindows measures what the persistence and origin
// collectors add to a cold scan (no digest cache; the page cache is warm
// for both) of a Windows image: the persist.sh windows tree (SYSTEM,
// SOFTWARE and a user hive, tasks, startup folders) plus
// CASCADE_BENCH_FILES (default 20,000) generated 4 KiB files (1% of them
// executables in users' Downloads, each a Zone.Identifier probe; 10%
// scripts in AppData, which are not probed), and 300 more task files. The two sub-benchmarks run side by side in
// one process:
//
//	go test ./internal/collect/persist -run '^$' -bench ColdScanWindows -benchtime 5x -count 3
//
// cpu-s/op is the process's user+system CPU time per scan (getrusage),
// which the other engineers' load on a shared machine disturbs less than
// the wall-clock ns/op.
//
// "base" has the collectors a scan ran before (registry, browser, hosts,
// reach, code signing); "with-persist" adds persist.Collectors(),
// quarantine and Zone.Identifier.
func BenchmarkColdScanWindows(b *testing.B) {
	testutil.NeedTools(b, "hivexregedit", "python3", "sqlite3")
	root := b.TempDir()
	cmd := exec.Command("bash", filepath.Join(testutil.RepoRoot(b), "testdata/fixtures/persist.sh"), root)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("persist.sh: %v\n%s", err, out)
	}
	img := filepath.Join(root, "windows")
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("CASCADE_BENCH_FILES")); err == nil && v > 0 {
		n = v
	}
	fillImage(b, img, n)
	cs, err := codesign.New(codesign.Options{})
	if err != nil {
		b.Fatal(err)
	}
	base := []collect.PathCollector{windows.New(), netart.NewHosts(), netart.NewBrowser(netart.BrowserOptions{})}
	base = append(base, reach.Collectors()...)
	with := append(append([]collect.PathCollector{}, base...), Collectors()...)
	with = append(with, netart.NewQuarantine(netart.BrowserOptions{}), netart.NewZone())
	for _, v := range []struct {
		name string
		pcs  []collect.PathCollector
	}{{"base", base}, {"with-persist", with}} {
		b.Run(v.name, func(b *testing.B) {
			before := cpuTime()
			for b.Loop() {
				src, err := source.Open(img, source.Options{OS: source.Windows})
				if err != nil {
					b.Fatal(err)
				}
				_, err = collect.Collect(context.Background(), src, collect.Options{
					Digests: collect.Digests{SHA256: true}, PathCollectors: v.pcs,
					ContentCollectors: []collect.ContentCollector{cs}})
				src.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-before).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// fillImage adds n files of 4 KiB across Program Files, Windows and two
// profiles, and 300 task files.
func fillImage(b *testing.B, img string, n int) {
	b.Helper()
	block := make([]byte, 4096)
	copy(block, "MZ")
	task, err := os.ReadFile(filepath.Join(img, "Windows/System32/Tasks/FixUpd Updater"))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		var p string
		switch {
		case i%100 == 0:
			p = fmt.Sprintf("Users/%s/Downloads/d%03d/setup%d.exe", []string{"alice", "bob"}[i%200/100], i%17, i)
		case i%10 == 1:
			p = fmt.Sprintf("Users/%s/AppData/Local/Cache/c%03d/f%d.js", []string{"alice", "bob"}[i%20/10], i%97, i)
		case i%3 == 0:
			p = fmt.Sprintf("Windows/System32/d%03d/f%d.dll", i%113, i)
		default:
			p = fmt.Sprintf("Program Files/App%03d/f%d.dat", i%131, i)
		}
		full := filepath.Join(img, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		block[100] = byte(i)
		block[101] = byte(i >> 8)
		if err := os.WriteFile(full, block, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 300 {
		full := filepath.Join(img, fmt.Sprintf("Windows/System32/Tasks/Vendor%02d/Task%d", i%17, i))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, task, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
