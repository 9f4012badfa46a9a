package machosign

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"fmt"
)

// Fat builds a universal binary from thin Mach-O slices, each aligned to
// 16 KiB.
func Fat(slices ...[]byte) ([]byte, error) {
	be := binary.BigEndian
	out := make([]byte, 8+20*len(slices))
	be.PutUint32(out, 0xcafebabe)
	be.PutUint32(out[4:], uint32(len(slices)))
	for i, b := range slices {
		if len(b) < 12 {
			return nil, fmt.Errorf("slice %d too short", i)
		}
		for len(out)%16384 != 0 {
			out = append(out, 0)
		}
		e := out[8+20*i:]
		be.PutUint32(e, binary.LittleEndian.Uint32(b[4:]))
		be.PutUint32(e[4:], binary.LittleEndian.Uint32(b[8:]))
		be.PutUint32(e[8:], uint32(len(out)))
		be.PutUint32(e[12:], uint32(len(b)))
		be.PutUint32(e[16:], 14)
		out = append(out, b...)
	}
	return out, nil
}

// Flip inverts one byte 16 bytes into __TEXT,__text of a thin Mach-O.
func Flip(b []byte) ([]byte, error) {
	f, err := macho.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	s := f.Section("__text")
	if s == nil {
		return nil, errors.New("no __text section")
	}
	b = bytes.Clone(b)
	b[s.Offset+16] ^= 0xff
	return b, nil
}
