package codesign

import (
	"bytes"
	"encoding/binary"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// SniffSize is how many leading bytes Sniff wants.
const SniffSize = 4096

// Sniff names a file's type from its first bytes (up to SniffSize) with the
// snapshot.Type* constants. It exists for `cascade inspect` until the
// engine's sniffer is shared; both must agree on PE, OLE and Mach-O.
func Sniff(h []byte) string {
	switch {
	case len(h) >= 2 && h[0] == 'M' && h[1] == 'Z':
		if isPE(h) {
			return snapshot.TypePE
		}
	case bytes.HasPrefix(h, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		return snapshot.TypeOLE
	case isMachO(h):
		return snapshot.TypeMachO
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return snapshot.TypeELF
	case bytes.HasPrefix(h, []byte("PK\x03\x04")):
		return snapshot.TypeZIP
	case bytes.HasPrefix(h, []byte("#!")):
		return snapshot.TypeScript
	}
	return snapshot.TypeOther
}

// isPE checks for the PE signature at e_lfanew (when the header holds it).
func isPE(h []byte) bool {
	if len(h) < 0x40 {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(h[0x3c:]))
	return off+4 <= int64(len(h)) && bytes.Equal(h[off:off+4], []byte("PE\x00\x00"))
}

func isMachO(h []byte) bool {
	if len(h) < 8 {
		return false
	}
	switch binary.BigEndian.Uint32(h) {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabf:
		return true
	case 0xcafebabe:
		// A Java class file has the same magic; its version field (≥ 45)
		// stands where a fat header counts its architectures.
		n := binary.BigEndian.Uint32(h[4:])
		return n > 0 && n < 30
	}
	return false
}
