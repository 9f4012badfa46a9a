package hivelog

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// entryHeader is the fixed part of an HvLE log entry; the dirty page
// references follow it.
const entryHeader = 40

// page is one run of bytes to write at off in the hive bins data.
type page struct {
	off  uint32
	data []byte
}

// entry is one log entry (new format) whose hashes and bounds checked out.
type entry struct {
	log   int    // index of its log in Recover's argument
	at    int    // file offset in its log, for messages
	seq   uint32 // sequence number it sets when applied
	flags uint32
	bins  uint32 // hive bins data size after it is applied
	pages []page
}

// readEntries returns the valid log entries of a new-format log in file
// order. It stops at the first entry that is not one: the end of the
// written entries is usually followed by zeros or by older data, which is
// not a problem; a torn or corrupt entry is, and stop says so.
func readEntries(idx int, data []byte, limit int) (out []entry, stop string) {
	for at := sector; at+entryHeader <= len(data); {
		e := data[at:]
		if !bytes.Equal(e[:4], []byte("HvLE")) {
			return out, ""
		}
		size := int(binary.LittleEndian.Uint32(e[4:]))
		ent, err := parseEntry(e, size, limit)
		if err != nil {
			return out, fmt.Sprintf("log entry at offset %#x: %v", at, err)
		}
		ent.log, ent.at = idx, at
		out = append(out, ent)
		at += size
	}
	return out, ""
}

// parseEntry checks one entry whose declared size is size; e runs to the
// end of the log.
func parseEntry(e []byte, size, limit int) (entry, error) {
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(e[off:]) }
	switch {
	case size < entryHeader || size%sector != 0:
		return entry{}, fmt.Errorf("size %d is not a positive multiple of %d", size, sector)
	case size > len(e):
		return entry{}, fmt.Errorf("size %d runs past the end of the log (%d bytes left)", size, len(e))
	}
	e = e[:size]
	if h := binary.LittleEndian.Uint64(e[24:]); marvin32(logSeed, e[entryHeader:]) != h {
		return entry{}, fmt.Errorf("Hash-1 %#x does not match its data (a torn or altered entry)", h)
	}
	if h := binary.LittleEndian.Uint64(e[32:]); marvin32(logSeed, e[:32]) != h {
		return entry{}, fmt.Errorf("Hash-2 %#x does not match its header", h)
	}
	ent := entry{seq: u32(12), flags: u32(8), bins: u32(16)}
	if ent.bins == 0 || ent.bins%binAlign != 0 || int64(ent.bins) > int64(limit-baseSize) {
		return entry{}, fmt.Errorf("hive bins data size %d is not a multiple of %d within the %d-byte limit",
			ent.bins, binAlign, limit)
	}
	count := int(u32(20))
	if count > (size-entryHeader)/8 {
		return entry{}, fmt.Errorf("%d dirty pages do not fit in a %d-byte entry", count, size)
	}
	pos := entryHeader + 8*count
	for i := range count {
		ref := e[entryHeader+8*i:]
		off, n := binary.LittleEndian.Uint32(ref), int(binary.LittleEndian.Uint32(ref[4:]))
		switch {
		case n == 0 || n > size-pos:
			return entry{}, fmt.Errorf("dirty page %d: %d bytes do not fit in the entry", i, n)
		case uint64(off)+uint64(n) > uint64(ent.bins):
			return entry{}, fmt.Errorf("dirty page %d: bytes %#x+%d lie past the hive bins data (%d bytes)", i, off, n, ent.bins)
		}
		ent.pages = append(ent.pages, page{off: off, data: e[pos : pos+n]})
		pos += n
	}
	return ent, nil
}

// SealEntry fills in Hash-1 and Hash-2 of the log entry e (its whole
// declared size). Tests use it to build logs.
func SealEntry(e []byte) {
	binary.LittleEndian.PutUint64(e[24:], marvin32(logSeed, e[entryHeader:]))
	binary.LittleEndian.PutUint64(e[32:], marvin32(logSeed, e[:32]))
}
