package pefile

import (
	"encoding/binary"
	"unicode/utf16"
)

// synth builds a minimal PE32+ image: headers in the first 0x200 bytes
// and one section (RVA 0x1000, file offset 0x200) holding data, with the
// given data directories (index -> RVA, size).
func synth(data []byte, dirs map[int][2]uint32) []byte {
	const lfanew, secRVA, secOff = 0x80, 0x1000, 0x200
	raw := (len(data) + 0x1ff) &^ 0x1ff
	b := make([]byte, secOff+raw)
	le := binary.LittleEndian
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], lfanew)
	copy(b[lfanew:], "PE\x00\x00")
	coff := b[lfanew+4:]
	le.PutUint16(coff, 0x8664)
	le.PutUint16(coff[2:], 1)
	le.PutUint16(coff[16:], 240)
	le.PutUint16(coff[18:], CharExecutable|CharDLL)
	opt := b[lfanew+24:]
	le.PutUint16(opt, Magic64)
	le.PutUint32(opt[32:], 0x1000) // SectionAlignment
	le.PutUint32(opt[36:], 0x200)  // FileAlignment
	le.PutUint32(opt[56:], uint32(secRVA+raw))
	le.PutUint32(opt[60:], secOff) // SizeOfHeaders
	le.PutUint32(opt[108:], 16)
	for i, d := range dirs {
		le.PutUint32(opt[112+8*i:], d[0])
		le.PutUint32(opt[116+8*i:], d[1])
	}
	sec := b[lfanew+24+240:]
	copy(sec, ".data")
	le.PutUint32(sec[8:], uint32(len(data)))
	le.PutUint32(sec[12:], secRVA)
	le.PutUint32(sec[16:], uint32(raw))
	le.PutUint32(sec[20:], secOff)
	copy(b[secOff:], data)
	return b
}

// blob assembles little-endian fields at chosen offsets.
type blob []byte

func (b *blob) grow(n int) {
	if len(*b) < n {
		*b = append(*b, make([]byte, n-len(*b))...)
	}
}

func (b *blob) u16(off int, v uint16) *blob {
	b.grow(off + 2)
	binary.LittleEndian.PutUint16((*b)[off:], v)
	return b
}

func (b *blob) u32(off int, v uint32) *blob {
	b.grow(off + 4)
	binary.LittleEndian.PutUint32((*b)[off:], v)
	return b
}

func (b *blob) put(off int, s []byte) *blob {
	b.grow(off + len(s))
	copy((*b)[off:], s)
	return b
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(out[2*i:], r)
	}
	return out
}

// resDir writes an IMAGE_RESOURCE_DIRECTORY at off with id entries
// (id, target) where target has the high bit set for a subdirectory.
func (b *blob) resDir(off int, entries ...[2]uint32) *blob {
	b.u16(off+14, uint16(len(entries)))
	for i, e := range entries {
		b.u32(off+16+8*i, e[0]).u32(off+20+8*i, e[1])
	}
	return b
}
