package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// newProgress returns how a collection shows its progress on stderr: one
// redrawn line on a terminal, otherwise (a log file, CI, a pipe) a plain
// line every progressEvery, so a long scan is seen to be alive.
func newProgress(e *env) collect.Progress {
	if e.isTerminal {
		return &progressLine{w: e.stderr}
	}
	return &progressLog{w: e.stderr, every: progressEvery, now: time.Now}
}

// progressEvery is how often progressLog writes a line.
const progressEvery = 5 * time.Second

// endProgress clears a terminal's progress line before the report.
func endProgress(p collect.Progress) {
	if l, ok := p.(*progressLine); ok {
		l.clear()
	}
}

// progressLine redraws one status line on a terminal.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	drawn bool
}

func (p *progressLine) Update(s snapshot.Stats, dir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start.IsZero() {
		p.start = s.Started
	}
	secs := time.Since(p.start).Seconds()
	const width = 50
	if r := []rune(dir); len(r) > width {
		dir = "…" + string(r[len(r)-width+1:])
	}
	fmt.Fprintf(p.w, "\r\033[K%d files, %.1f MiB, %.0f MiB/s  %s", s.FilesSeen, float64(s.BytesHashed)/(1<<20), mibPerSec(s, secs), dir)
	p.drawn = true
}

// clear removes the line before the report is printed.
func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// progressLog writes a progress line every so often, for a stderr that is
// not a terminal; a scan shorter than one interval writes nothing.
type progressLog struct {
	mu    sync.Mutex
	w     io.Writer
	every time.Duration
	now   func() time.Time
	last  time.Time
}

func (p *progressLog) Update(s snapshot.Stats, dir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.last.IsZero() {
		p.last = s.Started
	}
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	el := now.Sub(s.Started)
	if dir != "" {
		dir = "; in " + dir
	}
	fmt.Fprintf(p.w, "cascade: %s: %d files in %d directories (%d hashed, %d from cache), %.1f MiB read at %.0f MiB/s%s\n",
		el.Round(time.Second), s.FilesSeen, s.Dirs, s.FilesHashed, s.FilesCached,
		float64(s.BytesHashed)/(1<<20), mibPerSec(s, el.Seconds()), dir)
}

func mibPerSec(s snapshot.Stats, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(s.BytesHashed) / secs / (1 << 20)
}
