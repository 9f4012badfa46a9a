package cli

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestProgressLog: off a terminal, progress is a plain line once per
// interval (a fake clock drives it), none for a scan shorter than that.
func TestProgressLog(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock time.Time
	var out bytes.Buffer
	p := &progressLog{w: &out, every: 5 * time.Second, now: func() time.Time { return clock }}
	s := snapshot.Stats{Started: start, FilesSeen: 1200, Dirs: 30, FilesHashed: 1000, FilesCached: 200, BytesHashed: 50 << 20}
	for _, at := range []time.Duration{200 * time.Millisecond, 4800 * time.Millisecond, 5 * time.Second,
		7 * time.Second, 9800 * time.Millisecond, 10 * time.Second} {
		clock = start.Add(at)
		p.Update(s, "/usr/lib")
	}
	want := "cascade: 5s: 1200 files in 30 directories (1000 hashed, 200 from cache), 50.0 MiB read at 10 MiB/s; in /usr/lib\n" +
		"cascade: 10s: 1200 files in 30 directories (1000 hashed, 200 from cache), 50.0 MiB read at 5 MiB/s; in /usr/lib\n"
	if out.String() != want {
		t.Errorf("progress log:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestProgressChoice: a terminal gets the redrawn line, anything else the
// log, and --quiet neither.
func TestProgressChoice(t *testing.T) {
	c := collectFlags{maxSize: "1GiB"}
	for _, tt := range []struct {
		terminal, quiet bool
		want            string
	}{{true, false, "*cli.progressLine"}, {false, false, "*cli.progressLog"}, {false, true, "<nil>"}, {true, true, "<nil>"}} {
		c.quiet = tt.quiet
		e := &env{stderr: &bytes.Buffer{}, isTerminal: tt.terminal, getenv: func(string) string { return "" }}
		opt, err := c.options(e, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(opt.Collect.Progress); got != tt.want {
			t.Errorf("terminal=%v quiet=%v: %s, want %s", tt.terminal, tt.quiet, got, tt.want)
		}
	}
}

func typeName(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T", v)
}
