package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/live"
)

// TestNoLiveFlag: the live-state sweep is a host collector of every scan
// (it sweeps only the whole live machine), and --no-live removes it.
func TestNoLiveFlag(t *testing.T) {
	for _, args := range [][]string{nil, {"--no-live"}} {
		var c collectFlags
		fs := flag.NewFlagSet("scan", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.register(fs)
		if err := fs.Parse(append(args, "--quiet", "--no-cache")); err != nil {
			t.Fatal(err)
		}
		opt, err := c.options(&env{getenv: func(string) string { return "" }, stderr: io.Discard}, nil)
		if err != nil {
			t.Fatal(err)
		}
		has := false
		for _, hc := range opt.Collect.HostCollectors {
			if _, ok := hc.(live.Collector); ok {
				has = true
			}
		}
		if has != (len(args) == 0) {
			t.Errorf("args %q: live collector present = %v", args, has)
		}
	}
}
