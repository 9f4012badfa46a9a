package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
)

// The default scan loads the built-in packs, whose SHA-1 and MD5
// indicators make it compute three digests of a file where SHA-256-only
// intel computes one. The target: the default scan within 1.3× of the
// same scan with only the packs' SHA-256 indicators (--no-builtin --intel
// of that list), over the same tree, with the same findings.

// defaultVsSHA256 times, interleaved, a cold scan of dir with the built-in
// packs and one with only their SHA-256 indicators.
func defaultVsSHA256(c config, bin, dir string) (def, only result, err error) {
	list, err := writeBuiltinSHA256(c.dir)
	if err != nil {
		return def, only, err
	}
	rs := interleaved(c.rounds, bin, []contender{
		{"cascade cold scan, built-in packs (default)", []string{"scan", "--no-cache", "--quiet", "--format", "jsonl", dir}},
		{"cascade cold scan, packs' SHA-256 only", []string{"scan", "--no-builtin", "--no-cache", "--quiet", "--format", "jsonl", "--intel", list, dir}},
	})
	return rs[0], rs[1], nil
}

type contender struct {
	name string
	args []string
}

// interleaved runs each contender rounds times, one after the other in
// turn, so a neighbour's burst of load does not fall on one side, and
// keeps each one's best run.
func interleaved(rounds int, bin string, cs []contender) []result {
	rounds = max(1, rounds)
	best := make([]result, len(cs))
	for i := range rounds {
		for j, c := range cs {
			r := timeIt(c.name, bin, c.args...)
			if i == 0 {
				best[j] = r
			} else {
				best[j] = better(best[j], r)
			}
		}
	}
	for j := range best {
		best[j].name += fmt.Sprintf(" [best of %d, interleaved]", rounds)
	}
	return best
}

// printDefaultRatio prints the default scan against the SHA-256-only one,
// in wall time and in CPU time (steadier on a shared machine).
func printDefaultRatio(def, only result) {
	fmt.Printf("  default / SHA-256-only scan  %6.2f×  [≤ 1.3×]%s\n", def.secs/only.secs, cpuRatio(def.cpu, only.cpu))
}

// compareDefault is the -compare mode: the default scan against a
// SHA-256-only scan over an existing directory, e.g.
//
//	go run ./bench/scan -compare /usr/lib/x86_64-linux-gnu
func compareDefault(c config) error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(c.dir, "cascade")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/cascade").CombinedOutput(); err != nil {
		return fmt.Errorf("build cascade: %v\n%s", err, out)
	}
	fmt.Printf("tree: %s\nload at start: %s", c.compare, loadavg())
	warm(c.compare)
	def, only, err := defaultVsSHA256(c, bin, c.compare)
	if err != nil {
		return err
	}
	sib, err := writeSiblingPacks(c.dir)
	if err != nil {
		return err
	}
	args := []string{"scan", "--no-builtin", "--no-cache", "--quiet", "--format", "jsonl", "--intel", sib, c.compare}
	rs := interleaved(c.rounds, bin, []contender{
		{"cascade cold scan, packs without unscoped lone SHA-1/MD5", args},
		{"cascade cold scan, the same with --all-digests", append([]string{"scan", "--all-digests"}, args[1:]...)},
	})
	printRows([]row{def.row(), only.row(), rs[0].row(), rs[1].row()})
	fmt.Printf("  files hashed: %d and %d, bytes hashed: %d and %d\n", summaryInt(def.stdout, "files_hashed"),
		summaryInt(only.stdout, "files_hashed"), summaryBytes(def.stdout), summaryBytes(only.stdout))
	fmt.Printf("\nratios (targets in brackets):\n")
	printDefaultRatio(def, only)
	fmt.Printf("  packs without unscoped lone SHA-1/MD5 / SHA-256-only %5.2f×%s (what same_file and file_types buy when every digest has one)\n",
		rs[0].secs/only.secs, cpuRatio(rs[0].cpu, only.cpu))
	fmt.Printf("  the same with --all-digests / SHA-256-only  %5.2f×%s\n", rs[1].secs/only.secs, cpuRatio(rs[1].cpu, only.cpu))
	fmt.Printf("load at end: %s", loadavg())
	return nil
}

// writeBuiltinSHA256 writes the built-in packs' SHA-256 indicators as a
// signature-base hash list.
func writeBuiltinSHA256(dir string) (string, error) {
	in, err := packs.Load()
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, "builtin-sha256-hash-iocs.txt")
	var b strings.Builder
	for _, ind := range in.Indicators {
		if ind.Type == intel.SHA256 {
			fmt.Fprintf(&b, "%s;%s\n", ind.Value, ind.ID)
		}
	}
	return name, os.WriteFile(name, []byte(b.String()), 0o644)
}

// writeSiblingPacks writes the built-in packs without their SHA-1 and MD5
// indicators that have neither a same-file SHA-256 nor file types: intel
// whose every SHA-1 and MD5 is scoped, as the packs would be if every
// source said which file or which kind of file it names.
func writeSiblingPacks(dir string) (string, error) {
	in, err := packs.Load()
	if err != nil {
		return "", err
	}
	kept := in.Indicators[:0]
	for _, ind := range in.Indicators {
		if (ind.Type == intel.SHA1 || ind.Type == intel.MD5) && ind.SameFile[intel.SHA256] == "" && len(ind.FileTypes) == 0 {
			continue
		}
		kept = append(kept, ind)
	}
	in.Indicators = kept
	name := filepath.Join(dir, "builtin-scoped.json")
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	src := intel.Source{ID: "bench:packs-scoped", Name: "built-in packs, SHA-1/MD5 with a same-file SHA-256 or file types only", Kind: "cascade"}
	if err := intel.EncodeNative(f, src, in); err != nil {
		f.Close()
		return "", err
	}
	return name, f.Close()
}

func printRows(rows []row) {
	fmt.Printf("\n%-70s %9s %9s %9s %7s\n", "contender", "seconds", "CPU s", "peak RSS", "found")
	for _, r := range rows {
		cpu := "-"
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%.3f", r.cpu)
		}
		fmt.Printf("%-70s %9.3f %9s %9s %7s\n", r.name, r.secs, cpu, r.rss, r.found)
	}
}

// loadavg is /proc/loadavg, or a note where there is none.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown\n"
	}
	return string(b)
}

// summaryInt reads an integer field of the JSON Lines summaries, summed.
func summaryInt(jsonl, field string) int64 {
	var total int64
	sc := bufio.NewScanner(strings.NewReader(jsonl))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["type"] == "summary" {
			v, _ := m[field].(float64)
			total += int64(v)
		}
	}
	return total
}
