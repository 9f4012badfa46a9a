// Command gen regenerates the built-in intel packs (data/<incident>.json)
// from the IOC table, the rules and the curated records. Run it through
// `go generate ./internal/intel/packs`, or `go run ./gen` inside the packs
// directory.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel"

	"github.com/cascade-ir/cascade/internal/intel/packs/packgen"
)

func main() {
	dir := flag.String("dir", ".", "the packs directory")
	summary := flag.Bool("summary", false, "print a Markdown table of each pack's content instead of writing files")
	flag.Parse()
	var err error
	if *summary {
		err = printSummary(*dir)
	} else {
		err = run(*dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	res, err := packgen.Build(os.DirFS(dir))
	if err != nil {
		return err
	}
	out := filepath.Join(dir, packgen.DataDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := removeStale(out, res); err != nil {
		return err
	}
	for _, name := range res.Names() {
		if err := os.WriteFile(filepath.Join(out, name+".json"), res.Packs[name], 0o644); err != nil {
			return err
		}
	}
	counts := map[string]int{}
	for _, d := range res.Rows {
		counts[d.Action]++
	}
	fmt.Printf("gen: %d packs from %d rows (%d indicator, %d curated, %d skipped dispositions)\n",
		len(res.Packs), res.TableRows, counts[packgen.UsedAsIndicator], counts[packgen.UsedByCurated], counts[packgen.Skipped])
	return nil
}

// removeStale deletes pack files of incidents no longer in the table.
func removeStale(out string, res *packgen.Result) error {
	old, err := filepath.Glob(filepath.Join(out, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range old {
		name := filepath.Base(f)
		if _, ok := res.Packs[name[:len(name)-len(".json")]]; !ok {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// printSummary prints, per pack, the indicators by type and the advisories,
// for the README.
func printSummary(dir string) error {
	res, err := packgen.Build(os.DirFS(dir))
	if err != nil {
		return err
	}
	types := []intel.Type{intel.SHA256, intel.SHA1, intel.MD5, intel.Domain, intel.IP, intel.URL,
		intel.Filename, intel.Path, intel.Signer, intel.STIX}
	head := []string{"pack"}
	for _, t := range types {
		head = append(head, string(t))
	}
	head = append(head, "advisories", "actors")
	fmt.Println("| " + strings.Join(head, " | ") + " |")
	fmt.Println("|" + strings.Repeat("---|", len(head)))
	for _, name := range res.Names() {
		in, err := intel.DecodeNative(name, res.Packs[name])
		if err != nil {
			return err
		}
		c := in.Counts()
		cells := []string{name}
		for _, t := range types {
			cells = append(cells, fmt.Sprint(c[string(t)]))
		}
		cells = append(cells, fmt.Sprint(len(in.Advisories)), fmt.Sprint(len(in.Actors)))
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	var skipped []string
	for _, d := range res.Rows {
		if d.Action == packgen.Skipped {
			skipped = append(skipped, fmt.Sprintf("%s %s", d.Type, d.Incident))
		}
	}
	slices.Sort(skipped)
	fmt.Printf("\n%d rows, %d skipped\n", res.TableRows, len(skipped))
	return nil
}
