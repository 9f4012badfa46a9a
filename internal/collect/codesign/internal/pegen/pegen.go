// Package pegen writes tiny but valid PE32+ images with a version resource,
// and applies the byte-level edits the signing fixtures need (the padding
// trick, a flipped code byte, bytes after the certificate table). It is
// test support: only tests and the fixture tool import it.
package pegen

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

// Spec describes the image Build writes.
type Spec struct {
	CompileTime uint32
	CodeSize    int         // bytes of .text
	Seed        uint64      // varies the .text filler so images differ
	Strings     [][2]string // StringFileInfo name/value pairs, in order
	FileVersion [4]uint16
}

const (
	fileAlign    = 0x200
	sectAlign    = 0x1000
	headerSize   = 0x200
	textRVA      = 0x1000
	peHeaderOff  = 0x80
	optHeaderLen = 240
)

func align(n, a int) int { return (n + a - 1) / a * a }

// Build lays out headers, .text and .rsrc of a PE32+ AMD64 console image.
func Build(s Spec) []byte {
	text := filler(s.CodeSize, s.Seed)
	textRaw := align(len(text), fileAlign)
	rsrcRVA := textRVA + align(len(text), sectAlign)
	rsrc := buildResources(rsrcRVA, versionInfo(s))
	rsrcRaw := align(len(rsrc), fileAlign)
	imageSize := rsrcRVA + align(len(rsrc), sectAlign)

	var b bytes.Buffer
	dos := make([]byte, peHeaderOff)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], peHeaderOff)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint16(0x8664))              // Machine: AMD64
	le(uint16(2))                   // NumberOfSections
	le(s.CompileTime)               // TimeDateStamp
	le(uint32(0))                   // PointerToSymbolTable
	le(uint32(0))                   // NumberOfSymbols
	le(uint16(optHeaderLen))        // SizeOfOptionalHeader
	le(uint16(0x22))                // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
	le(uint16(0x20b))               // PE32+
	le([2]uint8{14, 0})             // linker version
	le(uint32(textRaw))             // SizeOfCode
	le(uint32(rsrcRaw))             // SizeOfInitializedData
	le(uint32(0))                   // SizeOfUninitializedData
	le(uint32(textRVA))             // AddressOfEntryPoint
	le(uint32(textRVA))             // BaseOfCode
	le(uint64(0x140000000))         // ImageBase
	le(uint32(sectAlign))           // SectionAlignment
	le(uint32(fileAlign))           // FileAlignment
	le([6]uint16{6, 0, 0, 0, 6, 0}) // OS, image, subsystem versions
	le(uint32(0))                   // Win32VersionValue
	le(uint32(imageSize))           // SizeOfImage
	le(uint32(headerSize))          // SizeOfHeaders
	le(uint32(0))                   // CheckSum (fixed below)
	le(uint16(3))                   // Subsystem: console
	le(uint16(0x8160))              // DllCharacteristics
	le([4]uint64{0x100000, 0x1000, 0x100000, 0x1000})
	le(uint32(0))  // LoaderFlags
	le(uint32(16)) // NumberOfRvaAndSizes
	dirs := make([]uint32, 32)
	dirs[4], dirs[5] = uint32(rsrcRVA), uint32(len(rsrc)) // entry 2: resources
	le(dirs)
	section := func(name string, rva, vsize, raw, ptr int, chars uint32) {
		var n [8]byte
		copy(n[:], name)
		le(n)
		le([4]uint32{uint32(vsize), uint32(rva), uint32(raw), uint32(ptr)})
		le([3]uint32{0, 0, 0})
		le(chars)
	}
	section(".text", textRVA, len(text), textRaw, headerSize, 0x60000020)
	section(".rsrc", rsrcRVA, len(rsrc), rsrcRaw, headerSize+textRaw, 0x40000040)
	out := make([]byte, headerSize+textRaw+rsrcRaw)
	copy(out, b.Bytes())
	copy(out[headerSize:], text)
	copy(out[headerSize+textRaw:], rsrc)
	SetChecksum(out)
	return out
}

// filler is `xor eax,eax; ret` followed by deterministic bytes from seed.
func filler(n int, seed uint64) []byte {
	b := make([]byte, max(n, 16))
	copy(b, []byte{0x31, 0xc0, 0xc3})
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := 3; i < len(b); i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// buildResources writes a resource tree holding one RT_VERSION entry.
func buildResources(rva int, version []byte) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	dir := func(id, target uint32) {
		le([4]uint32{0, 0, 0, 1 << 16}) // characteristics, time, version, 0 named + 1 id entry
		le([2]uint32{id, target})
	}
	dir(16, 0x80000000|0x18) // RT_VERSION → level 2
	dir(1, 0x80000000|0x30)  // ID 1 → level 3
	dir(0x409, 0x48)         // en-US → data entry
	le([4]uint32{uint32(rva + 0x58), uint32(len(version)), 0, 0})
	for b.Len() < 0x58 {
		b.WriteByte(0)
	}
	b.Write(version)
	return b.Bytes()
}

// versionInfo encodes VS_VERSIONINFO with one StringTable (040904b0).
func versionInfo(s Spec) []byte {
	fixed := new(bytes.Buffer)
	v := s.FileVersion
	_ = binary.Write(fixed, binary.LittleEndian, []uint32{0xfeef04bd, 0x10000,
		uint32(v[0])<<16 | uint32(v[1]), uint32(v[2])<<16 | uint32(v[3]),
		uint32(v[0])<<16 | uint32(v[1]), uint32(v[2])<<16 | uint32(v[3]),
		0x3f, 0, 0x40004, 1, 0, 0, 0})
	var strs [][]byte
	for _, kv := range s.Strings {
		val := utf16z(kv[1])
		strs = append(strs, verNode(kv[0], val, len(val)/2, 1, nil))
	}
	table := verNode("040904b0", nil, 0, 1, strs)
	sfi := verNode("StringFileInfo", nil, 0, 1, [][]byte{table})
	tr := verNode("Translation", []byte{0x09, 0x04, 0xb0, 0x04}, 4, 0, nil)
	vfi := verNode("VarFileInfo", nil, 0, 1, [][]byte{tr})
	return verNode("VS_VERSION_INFO", fixed.Bytes(), fixed.Len(), 0, [][]byte{sfi, vfi})
}

// verNode encodes one version-resource node: header, key, value, children,
// each 32-bit aligned. valueLen is in the unit the node type uses.
func verNode(key string, value []byte, valueLen int, typ uint16, children [][]byte) []byte {
	var b bytes.Buffer
	b.Write(make([]byte, 6))
	b.Write(utf16z(key))
	pad4(&b)
	b.Write(value)
	for _, c := range children {
		pad4(&b)
		b.Write(c)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint16(out[0:], uint16(len(out)))
	binary.LittleEndian.PutUint16(out[2:], uint16(valueLen))
	binary.LittleEndian.PutUint16(out[4:], typ)
	return out
}

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

func utf16z(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u)+2)
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return b
}
