package cli

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// TestParseFlagsInterspersed: flags may follow positional arguments, a
// value-taking flag keeps its value even when it looks like a flag, and
// "--" ends the flags.
func TestParseFlagsInterspersed(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		quiet bool
		state string
		pos   []string
	}{
		{"flags first", []string{"--quiet", "--state", "resolved", "a"}, true, "resolved", []string{"a"}},
		{"flags after", []string{"a", "--state", "resolved", "b", "--quiet"}, true, "resolved", []string{"a", "b"}},
		{"single dash and =", []string{"a", "-state=new", "-quiet"}, true, "new", []string{"a"}},
		{"value that looks like a flag", []string{"--state", "--quiet", "a"}, false, "--quiet", []string{"a"}},
		{"-- ends flags", []string{"a", "--", "--quiet", "-x"}, false, "", []string{"a", "--quiet", "-x"}},
		{"lone dash is positional", []string{"-", "--quiet"}, true, "", []string{"-"}},
		{"bool with value", []string{"a", "--quiet=false"}, false, "", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			quiet := fs.Bool("quiet", false, "")
			state := fs.String("state", "", "")
			if err := parseFlags(fs, tt.args); err != nil {
				t.Fatal(err)
			}
			if *quiet != tt.quiet || *state != tt.state || !slices.Equal(fs.Args(), tt.pos) {
				t.Errorf("quiet=%v state=%q args=%q, want %v %q %q", *quiet, *state, fs.Args(), tt.quiet, tt.state, tt.pos)
			}
		})
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{{"a", "--bogus"}, {"a", "--state"}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.String("state", "", "")
		if err := parseFlags(fs, args); err == nil {
			t.Errorf("%q: no error", args)
		} else if _, ok := err.(usageError); !ok {
			t.Errorf("%q: %T, want a usage error", args, err)
		}
	}
}
