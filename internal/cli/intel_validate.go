package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/load"
)

func runIntelValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "intel validate", "intel validate FILE...\n\nLoad each intel file (or MISP feed directory) and print every problem with its file\nand position. Exit 0: all valid; 2: a problem was found.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("intel validate needs at least one file")
	}
	bad := 0
	for _, p := range fs.Args() {
		in, err := load.Paths([]string{p})
		if err != nil {
			bad++
			for _, line := range strings.Split(err.Error(), "\n") {
				fmt.Fprintf(e.stderr, "error: %s\n", line)
			}
			continue
		}
		for _, w := range in.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		n := len(in.Indicators)
		for _, h := range in.HashLists {
			n += h.Len()
		}
		fmt.Fprintf(e.stdout, "%s: valid: %d indicators, %d advisories, %d incidents, %d actors, %d warninglists\n",
			p, n, len(in.Advisories), len(in.Incidents), len(in.Actors), len(in.Warninglists))
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d intel files are invalid", bad, fs.NArg())
	}
	return nil
}
