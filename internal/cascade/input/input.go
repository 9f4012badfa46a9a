// Package input reads cascade graphs from files: the graph file format
// (docs/trace.md), declared edges and delivery lists (CSV or JSON), and
// SLSA provenance v1 attestations. Each reader is a cascade.Source; its
// errors name the file, the line or JSON path, and why.
package input

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// maxFile bounds what a reader loads into memory.
const maxFile = 1 << 30

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return data, nil
}

// ParseTime reads RFC 3339 times and plain dates (taken as UTC midnight).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2022-04-24T10:00:00Z) or a date (2022-04-24)", s)
}

// lines maps byte offsets to line numbers, counting forward.
type lines struct {
	data []byte
	off  int
	line int
}

func (l *lines) at(off int64) int {
	if l.line == 0 {
		l.line = 1
	}
	for ; l.off < int(off) && l.off < len(l.data); l.off++ {
		if l.data[l.off] == '\n' {
			l.line++
		}
	}
	return l.line
}
