package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// intelCommands is the `cascade intel` sub-command table, in the order
// usage lists them.
func intelCommands() []command {
	return []command{
		{"list", "summarize the loaded intel: sources, counts by type, validity, patterns not evaluated", runIntelList},
		{"show", "show an indicator, advisory, incident or actor (with every alias and its source)", runIntelShow},
		{"validate", "check intel files; every problem with its file and position", runIntelValidate},
		{"import", "import intel files into the local store that scan reads", runIntelImport},
		{"export", "export the loaded intel as STIX 2.1, CSV or cascade JSON", runIntelExport},
		{"pull", "read a TAXII 2.1 collection (added after a time) into the local store or a STIX bundle", runIntelPull},
		{"push", "add a STIX 2.1 bundle's objects to a TAXII 2.1 collection", runIntelPush},
		{"match", "match a STIX 2.1 pattern against observed-data (exit 0 match, 1 no match, 2 invalid)", runIntelMatch},
	}
}

// runIntel dispatches `cascade intel SUBCOMMAND …`.
func runIntel(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printIntelUsage(e.stderr)
		return usagef("missing intel sub-command")
	}
	switch args[0] {
	case "-h", "--help", "help":
		printIntelUsage(e.stdout)
		return flag.ErrHelp
	}
	for _, c := range intelCommands() {
		if c.name == args[0] {
			return withSubcommand(c.name, c.run(ctx, e, args[1:]))
		}
	}
	printIntelUsage(e.stderr)
	return usagef("unknown intel sub-command %q", args[0])
}

// withSubcommand prefixes a sub-command's error with its name, keeping
// what decides the exit code.
func withSubcommand(name string, err error) error {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errFindings), errors.Is(err, flag.ErrHelp):
		return err
	case errors.As(err, &ue):
		return usagef("%s: %s", name, ue.msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func printIntelUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cascade intel SUBCOMMAND [OPTIONS] [ARGS]")
	fmt.Fprintln(w, "\nSub-commands:")
	for _, c := range intelCommands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}
