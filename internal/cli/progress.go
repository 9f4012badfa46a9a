package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

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
	rate := 0.0
	if secs > 0 {
		rate = float64(s.BytesHashed) / secs / (1 << 20)
	}
	const width = 50
	if r := []rune(dir); len(r) > width {
		dir = "…" + string(r[len(r)-width+1:])
	}
	fmt.Fprintf(p.w, "\r\033[K%d files, %.1f MiB, %.0f MiB/s  %s", s.FilesSeen, float64(s.BytesHashed)/(1<<20), rate, dir)
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
