// Package cli is cascade's command tree. Each command parses its flags into
// an options struct, validates it, and makes one engine call; exit codes
// are decided here and nowhere else.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/cascade-ir/cascade/internal/fleet/fleetclient"
	"io"
	"log/slog"
	"os"
)

// Version is set at link time (-ldflags "-X …/cli.Version=…").
var Version = "dev"

// Exit codes, the ClamAV convention.
const (
	ExitClean    = 0 // nothing found / pattern matched (intel match)
	ExitFindings = 1 // findings / no match (intel match)
	ExitError    = 2 // bad usage, unreadable intel, failed run
)

// errFindings makes a command exit 1 without printing an error.
var errFindings = errors.New("findings reported")

// usageError is a bad command line: exit 2 with the message and a hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// env is the process environment a command runs in; tests supply their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	log    *slog.Logger
	// isTerminal reports whether stderr is an interactive terminal.
	isTerminal bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// Run executes the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv,
		isTerminal: isTerminal(stderr)}
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if len(args) < 2 {
		printUsage(stderr)
		return ExitError
	}
	name := args[1]
	if name == "-h" || name == "--help" || name == "help" {
		printUsage(stdout)
		return ExitClean
	}
	for _, c := range commands() {
		if c.name == name {
			return exitCode(stderr, c.name, c.run(ctx, e, args[2:]))
		}
	}
	fmt.Fprintf(stderr, "cascade: unknown command %q\n\n", name)
	printUsage(stderr)
	return ExitError
}

// exitCode maps a command's error to the exit code, printing it if needed.
func exitCode(stderr io.Writer, name string, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitClean
	case errors.Is(err, errFindings):
		return ExitFindings
	case errors.Is(err, flag.ErrHelp):
		return ExitClean
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "cascade %s: %v\nRun 'cascade %s -h' for usage.\n", name, err, name)
		return ExitError
	}
	fmt.Fprintf(stderr, "cascade %s: %v\n", name, err)
	if hint := flagHint(err); hint != "" {
		fmt.Fprintf(stderr, "cascade %s: %s\n", name, hint)
	}
	return ExitError
}

// flagHint names the options that answer an error the libraries describe
// in general words (an untrusted server certificate: --ca-cert, --pin).
func flagHint(err error) string {
	var ce *fleetclient.CertError
	if !errors.As(err, &ce) {
		return ""
	}
	switch ce.Problem {
	case fleetclient.CertPinMismatch:
		return "compare --pin with " + fleetclient.PinHowTo
	case fleetclient.CertUnknownAuthority:
		return "pass --ca-cert with the server's CA certificate (its DATA/tls-cert.pem when self-signed) or --pin with its SHA-256 fingerprint"
	case fleetclient.CertWrongName:
		return "use one of the certificate's names in --server, or --pin its SHA-256 fingerprint"
	}
	return ""
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: cascade COMMAND [OPTIONS] [ARGS]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nExit codes: 0 nothing found, 1 findings, 2 error.")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: cascade %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
