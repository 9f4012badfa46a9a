package msi

import (
	"errors"
	"fmt"
	"io"
)

const miniSector = 64

// children lists the entries of storage e in directory-tree order, refusing
// cycles and out-of-range links.
func (d *doc) children(e *entry) ([]*entry, error) {
	var out []*entry
	seen := map[uint32]bool{}
	stack := []uint32{e.child}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i == noStream {
			continue
		}
		if i >= uint32(len(d.entries)) || i == 0 {
			return nil, fmt.Errorf("directory link %d out of range", i)
		}
		if seen[i] {
			return nil, errors.New("directory tree is cyclic")
		}
		seen[i] = true
		c := &d.entries[i]
		out = append(out, c)
		stack = append(stack, c.left, c.right)
	}
	return out, nil
}

// copyStream writes the content of stream e to w.
func (d *doc) copyStream(w io.Writer, e *entry) error {
	if e.size == 0 {
		return nil
	}
	if e.size < d.cutoff {
		return d.copyMini(w, e)
	}
	secs, err := chain(d.fat, e.start)
	if err != nil {
		return fmt.Errorf("stream %q: %w", name(e), err)
	}
	if uint64(len(secs))*uint64(d.sectorSize) < e.size {
		return fmt.Errorf("stream %q: %d sectors cannot hold %d bytes", name(e), len(secs), e.size)
	}
	buf := make([]byte, d.sectorSize)
	left := e.size
	for _, s := range secs {
		if left == 0 {
			break
		}
		if err := d.readSector(s, buf); err != nil {
			return fmt.Errorf("stream %q: %w", name(e), err)
		}
		n := min(left, uint64(len(buf)))
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	return nil
}

func (d *doc) copyMini(w io.Writer, e *entry) error {
	secs, err := chain(d.miniFAT, e.start)
	if err != nil {
		return fmt.Errorf("stream %q (mini): %w", name(e), err)
	}
	if uint64(len(secs))*miniSector < e.size {
		return fmt.Errorf("stream %q: %d mini sectors cannot hold %d bytes", name(e), len(secs), e.size)
	}
	per := uint32(d.sectorSize / miniSector)
	buf := make([]byte, miniSector)
	left := e.size
	for _, m := range secs {
		if left == 0 {
			break
		}
		idx := m / per
		if idx >= uint32(len(d.mini)) {
			return fmt.Errorf("stream %q: mini sector %d outside the mini stream", name(e), m)
		}
		off := (int64(d.mini[idx])+1)*d.sectorSize + int64(m%per)*miniSector
		if _, err := d.r.ReadAt(buf, off); err != nil {
			return fmt.Errorf("stream %q: %w", name(e), err)
		}
		n := min(left, miniSector)
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	return nil
}

// readStream returns the content of e, refusing streams over limit bytes.
func (d *doc) readStream(e *entry, limit int64) ([]byte, error) {
	if e.size > uint64(limit) {
		return nil, fmt.Errorf("stream %q is %d bytes, over the %d-byte limit", name(e), e.size, limit)
	}
	w := &sliceWriter{b: make([]byte, 0, min(e.size, uint64(d.size)))} // a stream cannot outgrow its file
	err := d.copyStream(w, e)
	return w.b, err
}

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}
