package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/cascade-ir/cascade/internal/intel/load"
)

func runIntelValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "intel validate", "intel validate FILE|DIR...\n\nLoad each intel file (every file under a directory; a MISP feed directory as one) and\n"+
		"print every problem with its file and position. Exit 0: all valid; 2: a problem was found.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("intel validate needs at least one file")
	}
	results := load.Files(fs.Args())
	bad := 0
	for _, r := range results {
		if r.Err != nil {
			bad++
			for _, line := range strings.Split(r.Err.Error(), "\n") {
				fmt.Fprintf(e.stderr, "error: %s\n", line)
			}
			continue
		}
		in := r.Intel
		for _, w := range in.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		n := len(in.Indicators)
		for _, h := range in.HashLists {
			n += h.Len()
		}
		fmt.Fprintf(e.stdout, "%s: valid: %d indicators, %d advisories, %d incidents, %d actors, %d warninglists\n",
			r.Path, n, len(in.Advisories), len(in.Incidents), len(in.Actors), len(in.Warninglists))
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d intel files are invalid", bad, len(results))
	}
	return nil
}
