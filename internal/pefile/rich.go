package pefile

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// RichHeader is the Microsoft linker's "Rich" block in the DOS stub: a
// XOR-masked list of the tools (product id, build) that built the image.
type RichHeader struct {
	Offset int64  // file offset of the masked "DanS" marker
	Length int64  // bytes from Offset through the key after "Rich"
	Key    uint32 // the XOR mask, which is also the linker's checksum
	// Raw is the masked bytes (Offset, Length); Clear the same bytes
	// unmasked, from "DanS" to "Rich" (the key itself is not masked).
	Raw, Clear []byte
	Entries    []RichEntry
	// Checksum is recomputed over the DOS header and stub and the
	// entries; ChecksumValid reports Checksum == Key (a mismatch means
	// the stub or the entries were edited after linking).
	Checksum      uint32
	ChecksumValid bool
}

// RichEntry is one tool: CompID is ProdID<<16 | Build.
type RichEntry struct {
	ProdID, Build uint16
	Count         uint32
}

// CompID is the combined id YARA's toolid() and pefile's values use.
func (e RichEntry) CompID() uint32 { return uint32(e.ProdID)<<16 | uint32(e.Build) }

const (
	richScanMax = 64 << 10 // a stub longer than this is not searched
	dansMagic   = 0x536e6144
)

// readRich finds "Rich" between the DOS header and the PE signature and
// unmasks backwards to "DanS". No Rich header is not an error.
func (f *File) readRich() error {
	end := min(f.Lfanew, richScanMax)
	if end <= 0x40 {
		return nil
	}
	stub := make([]byte, end)
	if _, err := f.r.ReadAt(stub, 0); err != nil {
		return errAt(0, "DOS stub", "read: %v", err)
	}
	rich := bytes.LastIndex(stub[0x40:], []byte("Rich"))
	if rich < 0 {
		return nil
	}
	rich += 0x40
	if rich%4 != 0 || rich+8 > len(stub) {
		return errAt(int64(rich), "Rich header", "\"Rich\" marker misaligned or without its key")
	}
	le := binary.LittleEndian
	key := le.Uint32(stub[rich+4:])
	start := -1
	for p := rich - 4; p >= 0x40; p -= 4 {
		if le.Uint32(stub[p:])^key == dansMagic {
			start = p
			break
		}
	}
	if start < 0 {
		return errAt(int64(rich), "Rich header", "no masked \"DanS\" marker before \"Rich\" with key %#08x", key)
	}
	h := &RichHeader{Offset: int64(start), Length: int64(rich + 8 - start), Key: key}
	h.Raw = append([]byte(nil), stub[start:rich+8]...)
	h.Clear = make([]byte, rich-start, rich+8-start)
	for p := 0; p < len(h.Clear); p += 4 {
		le.PutUint32(h.Clear[p:], le.Uint32(h.Raw[p:])^key)
	}
	h.Clear = append(h.Clear, "Rich"...)
	h.Clear = le.AppendUint32(h.Clear, key)
	// DanS is followed by three masked zero words, then the entries.
	for p := 16; p+8 <= rich-start; p += 8 {
		id, n := le.Uint32(h.Clear[p:]), le.Uint32(h.Clear[p+4:])
		h.Entries = append(h.Entries, RichEntry{ProdID: uint16(id >> 16), Build: uint16(id), Count: n})
	}
	h.Checksum = richChecksum(stub[:start], h.Entries)
	h.ChecksumValid = h.Checksum == key
	f.Rich = h
	return nil
}

// richChecksum is the linker's: the stub's bytes before "DanS" (e_lfanew
// excluded) rotated by their offset, plus each CompID rotated by its count.
func richChecksum(stub []byte, entries []RichEntry) uint32 {
	sum := uint32(len(stub))
	for i, b := range stub {
		if i >= 0x3c && i < 0x40 {
			continue
		}
		sum += bits.RotateLeft32(uint32(b), i%32)
	}
	for _, e := range entries {
		sum += bits.RotateLeft32(e.CompID(), int(e.Count%32))
	}
	return sum
}
