package peinfo

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// layout locates the header fields Authenticode excludes from the image
// digest, and the certificate table.
type layout struct {
	checksumOff int64 // optional header CheckSum
	secDirOff   int64 // IMAGE_DIRECTORY_ENTRY_SECURITY entry (8 bytes)
	certOff     int64 // certificate table file offset (0: none)
	certSize    int64
	compileTime uint32
	machine     uint16
}

var errNotPE = errors.New("not a PE image")

// readLayout parses just enough of the DOS, COFF and optional headers.
func readLayout(b []byte) (layout, error) {
	if len(b) < 0x40 || b[0] != 'M' || b[1] != 'Z' {
		return layout{}, errNotPE
	}
	pe := int64(binary.LittleEndian.Uint32(b[0x3c:]))
	if pe < 0x40 || pe+24 > int64(len(b)) || string(b[pe:pe+4]) != "PE\x00\x00" {
		return layout{}, fmt.Errorf("%w: no PE signature at e_lfanew %#x", errNotPE, pe)
	}
	l := layout{
		machine:     binary.LittleEndian.Uint16(b[pe+4:]),
		compileTime: binary.LittleEndian.Uint32(b[pe+8:]),
	}
	optSize := int64(binary.LittleEndian.Uint16(b[pe+20:]))
	opt := pe + 24
	if opt+optSize > int64(len(b)) || optSize < 2 {
		return l, fmt.Errorf("optional header at %#x (%d bytes) runs past the file", opt, optSize)
	}
	var dirs, countOff int64
	switch magic := binary.LittleEndian.Uint16(b[opt:]); magic {
	case 0x10b:
		dirs, countOff = opt+96, opt+92
	case 0x20b:
		dirs, countOff = opt+112, opt+108
	default:
		return l, fmt.Errorf("optional header magic %#x is neither PE32 nor PE32+", magic)
	}
	l.checksumOff = opt + 64
	l.secDirOff = dirs + 4*8
	if countOff+4 > opt+optSize || binary.LittleEndian.Uint32(b[countOff:]) < 5 || l.secDirOff+8 > opt+optSize {
		l.secDirOff = 0 // no security directory entry: cannot be signed
		return l, nil
	}
	l.certOff = int64(binary.LittleEndian.Uint32(b[l.secDirOff:]))
	l.certSize = int64(binary.LittleEndian.Uint32(b[l.secDirOff+4:]))
	return l, nil
}

// machineName names the common COFF machine types.
func machineName(m uint16) string {
	switch m {
	case 0x14c:
		return "386"
	case 0x8664:
		return "amd64"
	case 0xaa64:
		return "arm64"
	case 0x1c0, 0x1c4:
		return "arm"
	case 0x200:
		return "ia64"
	}
	return fmt.Sprintf("%#04x", m)
}
