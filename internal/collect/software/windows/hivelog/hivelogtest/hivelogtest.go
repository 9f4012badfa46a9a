// Package hivelogtest builds dirty registry hives and their transaction
// logs from two versions of a hive, for tests and fixture scripts: the
// primary file keeps the older version and the logs carry the pages that
// turn it into the newer one, laid out as Windows writes them.
package hivelogtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
)

const (
	baseSize = 4096
	sector   = 512
	page     = 4096
)

// Plan shapes the logs of a new-format (Windows 8.1 and later) dirty hive.
type Plan struct {
	// Seq is the primary's secondary sequence number; the first entry to
	// apply carries it and each later one the next number.
	Seq uint32
	// Entries is how many log entries the changed pages are split into.
	Entries int
	// InLog2 is how many of the last entries are written to LOG2 (the
	// kernel switches logs when one grows large).
	InLog2 int
	// Stale puts an entry at the start of LOG1 that the hive already holds
	// (sequence number Seq-1) with pages of junk: replaying it would
	// destroy the hive.
	Stale bool
}

// Dirty returns a primary file holding before, marked dirty, and the LOG1
// and LOG2 whose entries turn it into after. Both must be hives with the
// same base block fields apart from the sequence numbers and sizes.
func Dirty(before, after []byte, p Plan) (primary, log1, log2 []byte, err error) {
	if p.Entries < 1 || p.InLog2 > p.Entries || p.Stale && p.Seq == 0 {
		return nil, nil, nil, fmt.Errorf("bad plan %+v", p)
	}
	bins, err := binsSize(after)
	if err != nil {
		return nil, nil, nil, err
	}
	pages := changed(before, after[:baseSize+bins], page)
	if len(pages) == 0 {
		return nil, nil, nil, errors.New("the two hives do not differ")
	}
	if len(pages) < p.Entries {
		return nil, nil, nil, fmt.Errorf("%d changed pages cannot fill %d entries", len(pages), p.Entries)
	}
	primary = bytes.Clone(before)
	put32(primary, 4, p.Seq+uint32(p.Entries)) // a write started, never finished
	put32(primary, 8, p.Seq)
	hivelog.SetChecksum(primary)

	log1, log2 = logBase(after, p.Seq), logBase(after, p.Seq+uint32(p.Entries-p.InLog2))
	if p.Stale {
		junk := make([]byte, page)
		for i := range junk {
			junk[i] = 0xA5
		}
		log1 = append(log1, entry(p.Seq-1, uint32(bins), []int{0}, junk)...)
	}
	groups := split(pages, p.Entries)
	for i, g := range groups {
		e := entry(p.Seq+uint32(i), uint32(bins), g, after[baseSize:])
		if i < p.Entries-p.InLog2 {
			log1 = append(log1, e...)
		} else {
			log2 = append(log2, e...)
		}
	}
	return primary, log1, log2, nil
}

// DirtyOld returns a primary file holding before, marked dirty, and the
// old-format (Windows Vista to 8) .LOG whose dirty vector turns it into
// after.
func DirtyOld(before, after []byte, seq uint32) (primary, log []byte, err error) {
	bins, err := binsSize(after)
	if err != nil {
		return nil, nil, err
	}
	pages := changed(before, after[:baseSize+bins], sector)
	if len(pages) == 0 {
		return nil, nil, errors.New("the two hives do not differ")
	}
	primary = bytes.Clone(before)
	put32(primary, 4, seq+1)
	put32(primary, 8, seq)
	copy(primary[12:20], after[12:20]) // the log belongs to this write
	hivelog.SetChecksum(primary)

	log = logBase(after, seq+1)
	put32(log, 28, 1)
	hivelog.SetChecksum(log)
	vec := make([]byte, 4+bins/sector/8)
	copy(vec, "DIRT")
	for _, off := range pages {
		vec[4+off/sector/8] |= 1 << (off / sector % 8)
	}
	log = append(log, pad(vec)...)
	for _, off := range pages {
		log = append(log, after[baseSize+off:baseSize+off+sector]...)
	}
	return primary, log, nil
}

func binsSize(h []byte) (int, error) {
	if len(h) < baseSize || !bytes.Equal(h[:4], []byte("regf")) {
		return 0, errors.New("not a hive")
	}
	bins := int(binary.LittleEndian.Uint32(h[40:]))
	if bins%page != 0 || baseSize+bins > len(h) {
		return 0, fmt.Errorf("hive bins size %d does not fit the %d-byte hive", bins, len(h))
	}
	return bins, nil
}

// changed lists the offsets (in the hive bins data) of the unit-sized
// pages of after that differ from before or lie past its end.
func changed(before, after []byte, unit int) []int {
	var out []int
	for off := baseSize; off+unit <= len(after); off += unit {
		if off+unit > len(before) || !bytes.Equal(before[off:off+unit], after[off:off+unit]) {
			out = append(out, off-baseSize)
		}
	}
	return out
}

// split deals pages into n groups in turn, so each entry touches pages
// across the hive.
func split(pages []int, n int) [][]int {
	out := make([][]int, n)
	for i, p := range pages {
		out[i%n] = append(out[i%n], p)
	}
	return out
}

// logBase is a log's first sector: after's base block with the log's file
// type and the given sequence numbers.
func logBase(after []byte, seq uint32) []byte {
	b := bytes.Clone(after[:sector])
	put32(b, 4, seq)
	put32(b, 8, seq)
	put32(b, 28, 6)
	hivelog.SetChecksum(b)
	return b
}

// entry builds one sealed HvLE entry writing the 4096-byte pages at offs
// of bins (the hive bins data to copy from).
func entry(seq, binsSize uint32, offs []int, bins []byte) []byte {
	e := make([]byte, 40, 40+8*len(offs)+page*len(offs))
	copy(e, "HvLE")
	put32(e, 12, seq)
	put32(e, 16, binsSize)
	put32(e, 20, uint32(len(offs)))
	for _, off := range offs {
		e = binary.LittleEndian.AppendUint32(e, uint32(off))
		e = binary.LittleEndian.AppendUint32(e, page)
	}
	for _, off := range offs {
		e = append(e, bins[off:off+page]...)
	}
	e = pad(e)
	put32(e, 4, uint32(len(e)))
	hivelog.SealEntry(e)
	return e
}

// pad grows b to a multiple of a sector with zeros.
func pad(b []byte) []byte {
	if n := len(b) % sector; n != 0 {
		b = append(b, make([]byte, sector-n)...)
	}
	return b
}

func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
