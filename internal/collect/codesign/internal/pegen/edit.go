package pegen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// layout holds the offsets of the header fields the edits touch.
type layout struct {
	checksumOff int // CheckSum in the optional header
	secDirOff   int // IMAGE_DIRECTORY_ENTRY_SECURITY {VirtualAddress, Size}
	textOff     int // file offset of the first section's raw data
}

func readLayout(b []byte) (layout, error) {
	if len(b) < 0x40 || string(b[:2]) != "MZ" {
		return layout{}, errors.New("not a PE file")
	}
	pe := int(binary.LittleEndian.Uint32(b[0x3c:]))
	if pe+24+240 > len(b) || string(b[pe:pe+4]) != "PE\x00\x00" {
		return layout{}, fmt.Errorf("bad PE header offset %#x", pe)
	}
	opt := pe + 24
	dd := opt + 96
	if binary.LittleEndian.Uint16(b[opt:]) == 0x20b {
		dd = opt + 112
	}
	sect := opt + int(binary.LittleEndian.Uint16(b[pe+20:]))
	return layout{checksumOff: opt + 64, secDirOff: dd + 4*8,
		textOff: int(binary.LittleEndian.Uint32(b[sect+20:]))}, nil
}

func (l layout) secDir(b []byte) (off, size int) {
	return int(binary.LittleEndian.Uint32(b[l.secDirOff:])), int(binary.LittleEndian.Uint32(b[l.secDirOff+4:]))
}

func (l layout) setSecDir(b []byte, off, size int) {
	binary.LittleEndian.PutUint32(b[l.secDirOff:], uint32(off))
	binary.LittleEndian.PutUint32(b[l.secDirOff+4:], uint32(size))
}

// SetChecksum recomputes the optional header CheckSum the way the Windows
// loader does: a folded 16-bit sum of the file plus its length.
func SetChecksum(b []byte) {
	l, err := readLayout(b)
	if err != nil {
		return
	}
	binary.LittleEndian.PutUint32(b[l.checksumOff:], 0)
	var sum uint64
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint64(binary.LittleEndian.Uint16(b[i:]))
		sum = (sum & 0xffff) + (sum >> 16)
	}
	if len(b)%2 == 1 {
		sum += uint64(b[len(b)-1])
		sum = (sum & 0xffff) + (sum >> 16)
	}
	binary.LittleEndian.PutUint32(b[l.checksumOff:], uint32(sum)+uint32(len(b)))
}

// edit copies b, applies f and fixes the checksum.
func edit(b []byte, f func(b []byte, l layout) ([]byte, error)) ([]byte, error) {
	b = bytes.Clone(b)
	l, err := readLayout(b)
	if err != nil {
		return nil, err
	}
	if b, err = f(b, l); err != nil {
		return nil, err
	}
	SetChecksum(b)
	return b, nil
}

// Payload is n bytes starting with the 0xFEEDFACE marker the 3CX
// d3dcompiler_47.dll payload carried, followed by non-zero filler.
func Payload(n int) []byte {
	p := bytes.Repeat([]byte("cascade-test-payload;"), n/21+1)[:n]
	copy(p, []byte{0xfe, 0xed, 0xfa, 0xce})
	return p
}

// Pad appends n payload bytes inside the last WIN_CERTIFICATE, after its
// PKCS#7 blob, growing dwLength and the security directory: the
// CVE-2013-3900 trick.
func Pad(b []byte, n int) ([]byte, error) {
	return edit(b, func(b []byte, l layout) ([]byte, error) {
		off, size := l.secDir(b)
		if off == 0 || off+size != len(b) {
			return nil, errors.New("want one certificate table at the end of the file")
		}
		wlen := int(binary.LittleEndian.Uint32(b[off:]))
		b = append(b[:off+wlen], Payload(n)...)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		binary.LittleEndian.PutUint32(b[off:], uint32(wlen+n))
		l.setSecDir(b, off, len(b)-off)
		return b, nil
	})
}

// Append adds n bytes after the certificate table without telling the
// security directory.
func Append(b []byte, n int) ([]byte, error) {
	return edit(b, func(b []byte, _ layout) ([]byte, error) {
		return append(b, Payload(n)...), nil
	})
}

// DirGrow grows the security directory by n zero bytes no WIN_CERTIFICATE
// covers.
func DirGrow(b []byte, n int) ([]byte, error) {
	return edit(b, func(b []byte, l layout) ([]byte, error) {
		off, size := l.secDir(b)
		if off == 0 {
			return nil, errors.New("not signed")
		}
		b = append(b, make([]byte, n)...)
		l.setSecDir(b, off, size+n)
		return b, nil
	})
}

// Flip inverts one byte 16 bytes into the first section.
func Flip(b []byte) ([]byte, error) {
	return edit(b, func(b []byte, l layout) ([]byte, error) {
		b[l.textOff+16] ^= 0xff
		return b, nil
	})
}

// SetSecurityDirectory points the security directory at off/size.
func SetSecurityDirectory(b []byte, off, size int) ([]byte, error) {
	return edit(b, func(b []byte, l layout) ([]byte, error) {
		l.setSecDir(b, off, size)
		return b, nil
	})
}
