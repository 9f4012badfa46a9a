package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cascade-ir/cascade/internal/intel/stixpattern"
)

// intelMatchOptions are the flags of "cascade intel match".
type intelMatchOptions struct {
	pattern string
	explain bool
	file    string // "-" reads standard input
}

// runIntelMatch matches a STIX pattern against observed-data: exit 0 when
// it matches, 1 when it does not, 2 when the pattern or the input is
// invalid.
func runIntelMatch(ctx context.Context, e *env, args []string) error {
	var o intelMatchOptions
	fs := newFlags(e, "intel match", "intel match --pattern 'PATTERN' [--explain] FILE\n\n"+
		"FILE is a STIX bundle or JSON array of observed-data and the objects they\n"+
		"refer to (- for standard input). Exit 0: match, 1: no match, 2: invalid\n"+
		"pattern or input.")
	fs.StringVar(&o.pattern, "pattern", "", "the STIX 2.1 `pattern` to match (required)")
	fs.BoolVar(&o.explain, "explain", false, "print which observations were bound to which observation expression")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	files := fs.Args()
	switch {
	case o.pattern == "":
		return usagef("--pattern is required")
	case len(files) != 1:
		return usagef("want exactly one FILE, got %d", len(files))
	}
	o.file = files[0]
	return intelMatch(ctx, e, o)
}

func intelMatch(ctx context.Context, e *env, o intelMatchOptions) error {
	p, err := stixpattern.Parse(o.pattern)
	if err != nil {
		return fmt.Errorf("invalid pattern: %w", err)
	}
	data, err := readInput(e, o.file)
	if err != nil {
		return err
	}
	obs, warnings, err := stixpattern.LoadObservations(data)
	printWarnings(e.stderr, o.file, warnings)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	r, err := p.Evaluate(ctx, obs)
	if err != nil {
		if errors.Is(err, stixpattern.ErrTooComplex) {
			return fmt.Errorf("%s: %w (%d observations)", o.file, err, len(obs))
		}
		return fmt.Errorf("%s: %w", o.file, err)
	}
	if !r.Matched {
		fmt.Fprintln(e.stdout, "no match")
		return errFindings
	}
	if o.explain {
		return writeExplanation(e.stdout, p, r, obs)
	}
	_, err = fmt.Fprintln(e.stdout, "match")
	return err
}

// maxWarnings is how many input warnings are printed before summarizing.
const maxWarnings = 20

func printWarnings(w io.Writer, file string, warnings []stixpattern.Warning) {
	for i, warn := range warnings {
		if i == maxWarnings {
			fmt.Fprintf(w, "cascade intel match: warning: %s: %d more warnings not shown\n", file, len(warnings)-i)
			return
		}
		fmt.Fprintf(w, "cascade intel match: warning: %s: %s\n", file, warn)
	}
}

// readInput reads FILE, or standard input for "-", up to the loader's cap.
func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, stixpattern.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > stixpattern.MaxInputBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, stixpattern.MaxInputBytes)
	}
	return data, nil
}

// writeExplanation prints each bracketed observation expression and the
// observations bound to it.
func writeExplanation(w io.Writer, p *stixpattern.Pattern, r stixpattern.Result, obs []stixpattern.Observation) error {
	exprs := p.ObservationExpressions()
	distinct := map[int]bool{}
	for _, b := range r.Bindings {
		for _, o := range b.Observations {
			distinct[o.Index] = true
		}
	}
	fmt.Fprintf(w, "match: %s bound to %s\n", plural(len(r.Bindings), "observation expression"), plural(len(distinct), "observation"))
	for _, b := range r.Bindings {
		copyNote := ""
		if b.Copy != "" {
			copyNote = ", copy " + b.Copy
		}
		fmt.Fprintf(w, "expression %d%s: %s\n", b.Expression+1, copyNote, exprs[b.Expression])
		for _, o := range b.Observations {
			ob := obs[o.Index]
			fmt.Fprintf(w, "  %s  first %s  last %s  instances %d of %d\n", ob.ID,
				ob.FirstObserved.Format(timeFormat), ob.LastObserved.Format(timeFormat), o.Count, ob.NumberObserved)
		}
	}
	return nil
}

const timeFormat = "2006-01-02T15:04:05.999999999Z"

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
