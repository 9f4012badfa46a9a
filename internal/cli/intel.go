package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// intelCommands is the table of "cascade intel" sub-commands, in the order
// usage lists them. Add list, show, validate, import and export here.
func intelCommands() []command {
	return []command{
		{"match", "match a STIX 2.1 pattern against observed-data", runIntelMatch},
	}
}

// runIntel dispatches "cascade intel SUBCOMMAND …".
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
