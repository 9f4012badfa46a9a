package cli

import (
	"context"
	"fmt"
)

// commands is the command table, in the order usage lists them.
func commands() []command {
	return []command{
		{"version", "print the version", runVersion},
		{"intel", "threat intelligence: match", runIntel},
	}
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(e.stdout, "cascade %s\n", Version)
	return err
}
