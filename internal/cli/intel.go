package cli

import (
	"context"
	"fmt"
	"io"
)

// intelCommands is the `cascade intel` sub-command table.
func intelCommands() []command {
	return []command{
		{"list", "summarize the loaded intel: sources, counts by type, validity, patterns not evaluated", runIntelList},
		{"show", "show an indicator, advisory, incident or actor (with every alias and its source)", runIntelShow},
		{"validate", "check intel files; every problem with its file and position", runIntelValidate},
		{"import", "import intel files into the local store that scan reads", runIntelImport},
		{"export", "export the loaded intel as STIX 2.1, CSV or cascade JSON", runIntelExport},
	}
}

// runIntel dispatches `cascade intel SUBCOMMAND`.
func runIntel(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		printIntelUsage(w)
		if len(args) == 0 {
			return usagef("missing sub-command")
		}
		return nil
	}
	for _, c := range intelCommands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	printIntelUsage(e.stderr)
	return usagef("unknown sub-command %q", args[0])
}

func printIntelUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cascade intel SUBCOMMAND [OPTIONS] [ARGS]")
	fmt.Fprintln(w, "\nSub-commands:")
	for _, c := range intelCommands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}
