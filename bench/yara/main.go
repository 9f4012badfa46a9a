// Command yara benchmarks `cascade yara` against Debian's `yara` side by
// side in one run: the same generated rule set (text, hex and regular
// expression strings in the mixes public rule sets use) over the same
// tree, reporting wall time, CPU time and peak RSS of each, and whether
// the two printed the same matches. A third phase runs `cascade scan`
// with the same rules and the built-in packs (their YARA rules included)
// over the same tree: the whole sweep (walk, hashing, intel matching and
// the rules, each file read once) against yara alone.
//
//	go run ./bench/yara
//	go run ./bench/yara -rules 500 -dir /usr/lib/x86_64-linux-gnu -threads 2
//	go run ./bench/yara -scan=false    # leave the cascade scan phase out
//	go run ./bench/yara -baseline main # also time cascade yara built from main
//
// With -baseline REV, cascade is also built from the commit REV (its
// tree exported with git archive into the -out directory) and timed in
// the same run, so a change is measured side by side with what it
// changes under the same load. The 1-minute load average is printed
// after each engine, since the machine may be shared.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	n := flag.Int("rules", 400, "rules to generate")
	dir := flag.String("dir", "/usr/lib/x86_64-linux-gnu", "tree to scan")
	threads := flag.Int("threads", 2, "threads for both engines (-p)")
	out := flag.String("out", os.TempDir(), "where to write the rules and the binary")
	rulesFile := flag.String("rules-file", "", "scan with this rule file instead of generated rules")
	withScan := flag.Bool("scan", true, "also run cascade scan --intel RULES (with the built-in packs) over the tree")
	baseline := flag.String("baseline", "", "also time cascade yara built from this git commit (e.g. main)")
	flag.Parse()
	if err := run(*n, *dir, *threads, *out, *rulesFile, *withScan, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "bench/yara:", err)
		os.Exit(1)
	}
}

func run(n int, dir string, threads int, out, rulesFile string, withScan bool, baseline string) error {
	generated := rulesFile == ""
	if generated {
		rulesFile = filepath.Join(out, "cascade-bench.yar")
		if err := os.WriteFile(rulesFile, []byte(generate(n, 1)), 0o644); err != nil {
			return err
		}
	}
	bin := filepath.Join(out, "cascade-bench-bin")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cascade")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var baseBin, baseRev string
	if baseline != "" {
		var err error
		if baseBin, baseRev, err = buildAt(baseline, out); err != nil {
			return fmt.Errorf("baseline %s: %w", baseline, err)
		}
	}
	p := fmt.Sprint(threads)
	what := fmt.Sprintf("%d generated rules", n)
	if !generated {
		what = "given rule file"
	}
	fmt.Printf("rules: %s (%s); tree: %s; threads: %d; load average %s\n", rulesFile, what, dir, threads, loadAvg())
	ys, yout, err := measure("yara", "-w", "-p", p, "-r", rulesFile, dir)
	if err != nil {
		return err
	}
	type row struct {
		name string
		s    stats
		n    int
	}
	rows := []row{{"yara", ys, strings.Count(yout, "\n")}}
	var bout string
	if baseBin != "" {
		bs, o, err := measure(baseBin, "yara", "-w", "-p", p, "-r", rulesFile, dir)
		if err != nil {
			return err
		}
		bout = o
		rows = append(rows, row{"cascade@" + baseRev, bs, strings.Count(bout, "\n")})
	}
	cs, cout, err := measure(bin, "yara", "-w", "-p", p, "-r", rulesFile, dir)
	if err != nil {
		return err
	}
	rows = append(rows, row{"cascade yara", cs, strings.Count(cout, "\n")})
	var scanPairs map[string]bool
	if withScan {
		ss, sout, err := measureExit(map[int]bool{0: true, 1: true}, bin, "scan", "--no-store", "--no-cache",
			"--format", "jsonl", "--min-score", "0", "--intel", rulesFile, dir)
		if err != nil {
			return err
		}
		scanPairs = yaraPairs(sout, rulesFile)
		rows = append(rows, row{"cascade scan", ss, len(scanPairs)})
	}
	fmt.Printf("%-20s %9s %9s %10s %8s  %s\n", "engine", "wall", "cpu", "peak RSS", "matches", "load after")
	for _, r := range rows {
		fmt.Printf("%-20s %8.2fs %8.2fs %7d MB %8d  %s\n", r.name, r.s.wall.Seconds(), r.s.cpu.Seconds(),
			r.s.rssKB/1024, r.n, r.s.load)
	}
	if baseBin != "" {
		if sorted(bout) == sorted(cout) {
			fmt.Printf("baseline: cascade@%s printed the same match set\n", baseRev)
		} else {
			fmt.Printf("baseline: cascade@%s DIFFERS\n", baseRev)
			diff(bout, cout)
		}
	}
	if withScan {
		compareScan(cout, scanPairs)
	}
	yout, skipped := dropOutOfTree(yout, dir)
	if sorted(yout) == sorted(cout) {
		fmt.Printf("outputs: identical match sets (leaving out %d yara lines for links that leave the tree, which cascade does not follow)\n", skipped)
	} else {
		fmt.Println("outputs: DIFFER")
		diff(yout, cout)
	}
	return nil
}

// dropOutOfTree removes yara's lines for files reached through a link
// that is absolute or resolves outside root (cascade skips those by design,
// docs/yara.md); a relative link that climbs out and back into the tree
// (perl's cross-config-5.36.0/Config.pm -> ../5.36.0/Config.pm) stays.
func dropOutOfTree(out, root string) (string, int) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	var keep []string
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && leavesTree(f[len(f)-1], root, realRoot) {
			n++
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n") + "\n", n
}

func leavesTree(path, root, realRoot string) bool {
	for p := path; len(p) > len(root) && p != "/" && p != "."; p = filepath.Dir(p) {
		if t, err := os.Readlink(p); err == nil && filepath.IsAbs(t) {
			return true // cascade follows no absolute link, wherever it leads
		}
	}
	t, err := filepath.EvalSymlinks(path)
	if err != nil {
		return true
	}
	rel, err := filepath.Rel(realRoot, t)
	return err != nil || rel == ".." || strings.HasPrefix(rel, "../")
}

type stats struct {
	wall, cpu time.Duration
	rssKB     int64
	load      string // load average when the run ended
}

func measure(name string, args ...string) (stats, string, error) {
	return measureExit(map[int]bool{0: true}, name, args...)
}

// measureExit runs a command that may exit with any of ok.
func measureExit(ok map[int]bool, name string, args ...string) (stats, string, error) {
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if ee, isExit := err.(*exec.ExitError); isExit && ok[ee.ExitCode()] {
		err = nil
	}
	if err != nil {
		return stats{}, "", fmt.Errorf("%s: %w: %s", name, err, firstLine(errb.String()))
	}
	cpu, rss := usage(cmd.ProcessState)
	return stats{wall: wall, cpu: cpu, rssKB: rss, load: loadAvg()}, out.String(), nil
}

// buildAt builds cascade from commit rev (exported with git archive, so
// the work tree is left alone) and returns the binary and the commit's
// short hash.
func buildAt(rev, out string) (string, string, error) {
	h, err := exec.Command("git", "rev-parse", "--short", rev+"^{commit}").Output()
	if err != nil {
		return "", "", fmt.Errorf("git rev-parse: %w", err)
	}
	short := strings.TrimSpace(string(h))
	src := filepath.Join(out, "cascade-bench-src-"+short)
	if err := os.RemoveAll(src); err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", "", err
	}
	archive := exec.Command("sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", short, src)
	archive.Stderr = os.Stderr
	if err := archive.Run(); err != nil {
		return "", "", fmt.Errorf("git archive: %w", err)
	}
	bin := filepath.Join(out, "cascade-bench-bin-"+short)
	build := exec.Command("go", "build", "-o", bin, "./cmd/cascade")
	build.Dir, build.Stderr = src, os.Stderr
	if err := build.Run(); err != nil {
		return "", "", fmt.Errorf("build: %w", err)
	}
	return bin, short, os.RemoveAll(src)
}

// loadAvg is the 1, 5 and 15-minute load averages (Linux), or "n/a".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func sorted(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func diff(want, got string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	n := 0
	for l := range w {
		if !g[l] && n < 10 {
			fmt.Println("  yara only:   ", l)
			n++
		}
	}
	for l := range g {
		if !w[l] && n < 20 {
			fmt.Println("  cascade only:", l)
			n++
		}
	}
}
