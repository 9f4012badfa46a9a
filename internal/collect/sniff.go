package collect

import (
	"bytes"
	"encoding/binary"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// SniffLen is how many leading bytes Sniff looks at: enough for the PE
// header that a DOS stub points to.
const SniffLen = 1024

// Sniff returns the file type from the leading bytes of a file and its size.
// DMG images are recognised by their trailing "koly" block, so the caller
// passes the last 512 bytes as tail (nil when not read).
func Sniff(head, tail []byte) string {
	switch {
	case isPE(head):
		return snapshot.TypePE
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return snapshot.TypeELF
	case isMachO(head):
		return snapshot.TypeMachO
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return snapshot.TypeOLE
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return snapshot.TypeZIP
	case bytes.HasPrefix(head, []byte("#!")):
		return snapshot.TypeScript
	case len(tail) >= 512 && bytes.HasPrefix(tail[len(tail)-512:], []byte("koly")):
		return snapshot.TypeDMG
	}
	return snapshot.TypeOther
}

// isPE requires the "PE\0\0" signature where the DOS header points, within
// the bytes read: a bare "MZ" is a DOS program or data, not a PE image.
func isPE(h []byte) bool {
	if len(h) < 0x40 || h[0] != 'M' || h[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(h[0x3c:]))
	return off+4 <= int64(len(h)) && bytes.Equal(h[off:off+4], []byte("PE\x00\x00"))
}

// isMachO recognises thin Mach-O (32/64-bit, either byte order) and fat
// binaries. Java class files share the fat magic 0xCAFEBABE; a fat header
// has a small architecture count where a class file has its version.
func isMachO(h []byte) bool {
	if len(h) < 8 {
		return false
	}
	switch binary.BigEndian.Uint32(h) {
	case 0xFEEDFACE, 0xFEEDFACF, 0xCEFAEDFE, 0xCFFAEDFE:
		return true
	case 0xCAFEBABF:
		return true
	case 0xCAFEBABE: // also a Java class file, whose version (≥ 45) stands there
		n := binary.BigEndian.Uint32(h[4:])
		return n > 0 && n < 30
	}
	return false
}
