package cli

import (
	"context"
	"fmt"
)

// commands is the command table, in the order usage lists them.
func commands() []command {
	return []command{
		{"version", "print the version", runVersion},
		{"inspect", "one file's full record: type, digests, signatures, anomalies", runInspect},
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
