package cli

import (
	"errors"
	"flag"
	"strings"
)

// parseFlags parses args for every command, turning flag errors into
// usage errors. Flags may come before or after positional arguments
// (`scan DIR --quiet`, `client triage ID --state resolved`); a `--` ends
// the flags, and everything after it is positional even if it starts with
// a dash. fs.Args() returns the positional arguments, in order.
func parseFlags(fs *flag.FlagSet, args []string) error {
	flags, positional := splitArgs(fs, args)
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{strings.TrimSpace(err.Error())}
	}
	// A second Parse of "--" and the positionals sets fs.Args() to them.
	return fs.Parse(append([]string{"--"}, positional...))
}

// splitArgs separates flags (with the values of those that take one) from
// positional arguments. A flag's value is the next argument unless the
// flag is boolean or written as -name=value; an unknown flag is kept with
// the flags, for Parse to report.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case len(a) < 2 || a[0] != '-':
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") || i+1 == len(args) {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}

// isBoolFlag reports a flag that takes no value (-quiet, not -quiet true).
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
