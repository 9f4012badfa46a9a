package clr

import (
	"bytes"
	"encoding/binary"
)

// img reads the file with yara's fits_in_pe bounds: every read is checked;
// a read outside the file yields 0 (yara would read past its buffer).
type img struct {
	*Image
	d []byte
}

func (m img) fits(off, n int64) bool {
	return n >= 0 && n <= int64(len(m.d)) && off >= 0 && off <= int64(len(m.d))-n
}

func (m img) u8(off int64) uint32 {
	if !m.fits(off, 1) {
		return 0
	}
	return uint32(m.d[off])
}

func (m img) u16(off int64) uint32 {
	if !m.fits(off, 2) {
		return 0
	}
	return uint32(binary.LittleEndian.Uint16(m.d[off:]))
}

func (m img) u32(off int64) uint32 {
	if !m.fits(off, 4) {
		return 0
	}
	return binary.LittleEndian.Uint32(m.d[off:])
}

// index reads a 2- or 4-byte table column.
func (m img) index(off int64, size int64) uint32 {
	if size == 4 {
		return m.u32(off)
	}
	return m.u16(off)
}

// maxString is yara's bound on a #Strings entry.
const maxString = 1024

// heapString is the NUL-terminated #Strings entry at heap+index, or false
// when it starts outside the file, has no NUL or is over maxString bytes.
func (m img) heapString(heap int64, index uint32) (string, bool) {
	p := heap + int64(index)
	if p < 0 || p >= int64(len(m.d)) {
		return "", false
	}
	n := bytes.IndexByte(m.d[p:], 0)
	if n < 0 || n > maxString {
		return "", false
	}
	return string(m.d[p : p+int64(n)]), true
}

// blob decodes the compressed length that starts a #Blob or #US entry
// (ECMA-335 II.24.2.4): size is the bytes of the length (0: unreadable),
// length the entry's length minus one, as yara 4.2 computes it.
func (m img) blobAt(off int64) (size int64, length uint32) {
	if !m.fits(off, 1) {
		return 0, 0
	}
	b := m.d[off]
	switch {
	case b&0x80 == 0:
		size, length = 1, uint32(b)
	case b&0xc0 == 0x80:
		if !m.fits(off, 2) {
			return 0, 0
		}
		size, length = 2, uint32(b&0x3f)<<8|uint32(m.d[off+1])
	case off+4 < int64(len(m.d)) && b&0xe0 == 0xc0:
		size, length = 4, uint32(b&0x1f)<<24|uint32(m.d[off+1])<<16|uint32(m.d[off+2])<<8|uint32(m.d[off+3])
	default:
		return 0, 0
	}
	if length > 0 {
		length--
	}
	return size, length
}

// RVAToOffset maps an RVA to a file offset as yara's pe_rva_to_offset
// does, or returns -1: the section holding it with the highest virtual
// address (raw offset rounded down to min(FileAlignment, 0x200)), an
// address below every section maps to itself, and an address past a
// section's raw data maps nowhere.
func (im *Image) RVAToOffset(rva uint32) int64 {
	if im.SectionsTruncated {
		return -1
	}
	lowest := uint32(0xffffffff)
	var secRVA, secOff, secRaw uint32
	for _, s := range im.Sections {
		lowest = min(lowest, s.VirtualAddress)
		if rva >= s.VirtualAddress && rva-s.VirtualAddress < s.VirtualSize && secRVA <= s.VirtualAddress {
			secRVA, secOff, secRaw = s.VirtualAddress, s.RawOffset, s.RawSize
			if a := min(im.FileAlignment, 0x200); a != 0 {
				secOff -= secOff % a
			}
		}
	}
	if rva < lowest {
		secRVA, secOff, secRaw = 0, 0, uint32(len(im.Data))
	}
	if rva-secRVA >= secRaw {
		return -1
	}
	res := int64(secOff) + int64(rva-secRVA)
	if res >= int64(len(im.Data)) {
		return -1
	}
	return res
}
