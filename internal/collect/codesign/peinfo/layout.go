package peinfo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// layout locates the header fields Authenticode excludes from the image
// digest, the certificate table, and the end of the section data.
type layout struct {
	checksumOff int64 // optional header CheckSum
	secDirOff   int64 // IMAGE_DIRECTORY_ENTRY_SECURITY entry (8 bytes)
	certOff     int64 // certificate table file offset (0: none)
	certSize    int64
	headerEnd   int64 // end of the section table
	imageEnd    int64 // end of the last section's raw data
	compileTime uint32
	machine     uint16
}

var errNotPE = errors.New("not a PE image")

// maxHeaders caps the bytes read to find the headers and section table.
const maxHeaders = 1 << 20

// readLayout parses the DOS, COFF and optional headers and the section
// table of r.
func readLayout(r io.ReaderAt, size int64) (layout, error) {
	var dos [0x40]byte
	if size < 0x40 {
		return layout{}, errNotPE
	}
	if _, err := r.ReadAt(dos[:], 0); err != nil || dos[0] != 'M' || dos[1] != 'Z' {
		return layout{}, errNotPE
	}
	pe := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	if pe < 0x40 || pe+24 > min(size, maxHeaders) {
		return layout{}, fmt.Errorf("%w: e_lfanew %#x outside the headers", errNotPE, pe)
	}
	h, err := readHead(r, min(size, max(4096, pe+24+0x400)))
	if err != nil {
		return layout{}, err
	}
	if string(h[pe:pe+4]) != "PE\x00\x00" {
		return layout{}, fmt.Errorf("%w: no PE signature at e_lfanew %#x", errNotPE, pe)
	}
	// The section table may run past the first read.
	nsec, optSize := int64(binary.LittleEndian.Uint16(h[pe+6:])), int64(binary.LittleEndian.Uint16(h[pe+20:]))
	if end := min(pe+24+optSize+40*nsec, size, maxHeaders); end > int64(len(h)) {
		if h, err = readHead(r, end); err != nil {
			return layout{}, err
		}
	}
	return parseHeaders(h, pe)
}

func readHead(r io.ReaderAt, n int64) ([]byte, error) {
	h := make([]byte, n)
	if _, err := r.ReadAt(h, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return h, nil
}

func parseHeaders(b []byte, pe int64) (layout, error) {
	le := binary.LittleEndian
	l := layout{machine: le.Uint16(b[pe+4:]), compileTime: le.Uint32(b[pe+8:])}
	nsec, optSize := int64(le.Uint16(b[pe+6:])), int64(le.Uint16(b[pe+20:]))
	opt := pe + 24
	if opt+optSize > int64(len(b)) || optSize < 2 {
		return l, fmt.Errorf("optional header at %#x (%d bytes) runs past the headers", opt, optSize)
	}
	var dirs, countOff int64
	switch magic := le.Uint16(b[opt:]); magic {
	case 0x10b:
		dirs, countOff = opt+96, opt+92
	case 0x20b:
		dirs, countOff = opt+112, opt+108
	default:
		return l, fmt.Errorf("optional header magic %#x is neither PE32 nor PE32+", magic)
	}
	l.checksumOff = opt + 64
	l.headerEnd = opt + optSize + 40*nsec
	l.imageEnd = sectionsEnd(b, opt+optSize, nsec)
	l.secDirOff = dirs + 4*8
	if countOff+4 > opt+optSize || le.Uint32(b[countOff:]) < 5 || l.secDirOff+8 > opt+optSize {
		l.secDirOff = 0 // no security directory entry: cannot be signed
		return l, nil
	}
	l.certOff = int64(le.Uint32(b[l.secDirOff:]))
	l.certSize = int64(le.Uint32(b[l.secDirOff+4:]))
	return l, nil
}

// sectionsEnd is the furthest end of section raw data in the table at off.
func sectionsEnd(b []byte, off, n int64) int64 {
	end := int64(0)
	for i := int64(0); i < n && off+40*(i+1) <= int64(len(b)); i++ {
		s := b[off+40*i:]
		ptr, raw := int64(binary.LittleEndian.Uint32(s[20:])), int64(binary.LittleEndian.Uint32(s[16:]))
		end = max(end, ptr+raw)
	}
	return end
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
