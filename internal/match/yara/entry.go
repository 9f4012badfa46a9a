package yara

import "encoding/binary"

// entryPoint returns the file offset of a PE or ELF file's entry point,
// for YARA's `entrypoint`; ok is false for other data.
func entryPoint(d []byte) (int64, bool) {
	if len(d) >= 0x40 && d[0] == 'M' && d[1] == 'Z' {
		return peEntry(d)
	}
	if len(d) >= 0x34 && string(d[:4]) == "\x7fELF" {
		return elfEntry(d)
	}
	return 0, false
}

func peEntry(d []byte) (int64, bool) {
	pe := int(binary.LittleEndian.Uint32(d[0x3c:]))
	if pe < 0 || pe+24 > len(d) || string(d[pe:pe+4]) != "PE\x00\x00" {
		return 0, false
	}
	nsec := int(binary.LittleEndian.Uint16(d[pe+6:]))
	optSize := int(binary.LittleEndian.Uint16(d[pe+20:]))
	opt := pe + 24
	if opt+20 > len(d) {
		return 0, false
	}
	rva := int64(binary.LittleEndian.Uint32(d[opt+16:]))
	secs := opt + optSize
	for i := 0; i < nsec && i < 96; i++ {
		s := secs + 40*i
		if s+40 > len(d) {
			break
		}
		vsize := int64(binary.LittleEndian.Uint32(d[s+8:]))
		va := int64(binary.LittleEndian.Uint32(d[s+12:]))
		rawSize := int64(binary.LittleEndian.Uint32(d[s+16:]))
		raw := int64(binary.LittleEndian.Uint32(d[s+20:]))
		size := vsize
		if rawSize > size {
			size = rawSize
		}
		if rva >= va && rva < va+size {
			return raw + rva - va, true
		}
	}
	return rva, true
}

func elfEntry(d []byte) (int64, bool) {
	var bo binary.ByteOrder = binary.LittleEndian
	if d[5] == 2 {
		bo = binary.BigEndian
	}
	is64 := d[4] == 2
	var entry, shoff uint64
	var shentsize, shnum int
	if is64 {
		if len(d) < 0x40 {
			return 0, false
		}
		entry, shoff = bo.Uint64(d[0x18:]), bo.Uint64(d[0x28:])
		shentsize, shnum = int(bo.Uint16(d[0x3a:])), int(bo.Uint16(d[0x3c:]))
	} else {
		entry, shoff = uint64(bo.Uint32(d[0x18:])), uint64(bo.Uint32(d[0x20:]))
		shentsize, shnum = int(bo.Uint16(d[0x2e:])), int(bo.Uint16(d[0x30:]))
	}
	for i := 0; i < shnum && shoff < uint64(len(d)); i++ {
		s := shoff + uint64(i*shentsize)
		if s+64 > uint64(len(d)) || shentsize < 40 {
			break
		}
		typ := bo.Uint32(d[s+4:])
		var addr, off, size uint64
		if is64 {
			addr, off, size = bo.Uint64(d[s+16:]), bo.Uint64(d[s+24:]), bo.Uint64(d[s+32:])
		} else {
			addr, off, size = uint64(bo.Uint32(d[s+12:])), uint64(bo.Uint32(d[s+16:])), uint64(bo.Uint32(d[s+20:]))
		}
		if typ != 0 && typ != 8 && entry >= addr && entry < addr+size {
			return int64(off + entry - addr), true
		}
	}
	return 0, false
}
