package macho

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits on the container.
const (
	maxArchs    = 32
	maxCmdBytes = 4 << 20
	maxCmds     = 8192
)

// Load command numbers.
const (
	lcSegment       = 0x1
	lcSegment64     = 0x19
	lcCodeSignature = 0x1d
)

// slice is one architecture of a (possibly fat) Mach-O file.
type slice struct {
	arch    string
	off     int64 // file offset of the slice
	size    int64
	order   binary.ByteOrder
	sigOff  int64 // LC_CODE_SIGNATURE dataoff, relative to the slice
	sigSize int64
	hasSig  bool
}

// ErrNotMachO means the content is not a Mach-O file.
var ErrNotMachO = errors.New("not a Mach-O file")

// archSlices lists the architectures of the file.
func archSlices(r io.ReaderAt, size int64) ([]*slice, error) {
	var h [8]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMachO, err)
	}
	switch binary.BigEndian.Uint32(h[:]) {
	case 0xcafebabe:
		return fatSlices(r, size, binary.BigEndian.Uint32(h[4:]), 20)
	case 0xcafebabf:
		return fatSlices(r, size, binary.BigEndian.Uint32(h[4:]), 32)
	}
	s := &slice{off: 0, size: size}
	if err := s.readHeader(r); err != nil {
		return nil, err
	}
	return []*slice{s}, nil
}

func fatSlices(r io.ReaderAt, size int64, n uint32, entry int) ([]*slice, error) {
	if n == 0 || n > maxArchs {
		return nil, fmt.Errorf("%w: fat header lists %d architectures (a Java class file?)", ErrNotMachO, n)
	}
	tbl := make([]byte, int(n)*entry)
	if _, err := r.ReadAt(tbl, 8); err != nil {
		return nil, fmt.Errorf("fat header: %w", err)
	}
	be := binary.BigEndian
	var out []*slice
	for i := 0; i < int(n); i++ {
		e := tbl[i*entry:]
		s := &slice{}
		if entry == 20 {
			s.off, s.size = int64(be.Uint32(e[8:])), int64(be.Uint32(e[12:]))
		} else {
			s.off, s.size = int64(be.Uint64(e[8:])), int64(be.Uint64(e[16:]))
		}
		if s.off < 8 || s.size < 28 || s.off > size || s.size > size-s.off {
			return nil, fmt.Errorf("fat architecture %d: slice %#x+%#x outside the %d-byte file", i, s.off, s.size, size)
		}
		if err := s.readHeader(r); err != nil {
			return nil, fmt.Errorf("fat architecture %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// readHeader reads the slice's header and load commands.
func (s *slice) readHeader(r io.ReaderAt) error {
	var h [32]byte
	if s.size < 28 {
		return fmt.Errorf("%w: %d bytes", ErrNotMachO, s.size)
	}
	if _, err := r.ReadAt(h[:28], s.off); err != nil {
		return fmt.Errorf("%w: %v", ErrNotMachO, err)
	}
	hdr := 28
	switch m := binary.LittleEndian.Uint32(h[:]); m {
	case 0xfeedface, 0xfeedfacf:
		s.order = binary.LittleEndian
	case 0xcefaedfe, 0xcffaedfe:
		s.order = binary.BigEndian
	default:
		return fmt.Errorf("%w: magic %#x", ErrNotMachO, m)
	}
	if h[0] == 0xcf || h[3] == 0xcf {
		hdr = 32
	}
	o := s.order
	s.arch = archName(o.Uint32(h[4:]), o.Uint32(h[8:]))
	ncmds, cmdSize := o.Uint32(h[16:]), int64(o.Uint32(h[20:]))
	if ncmds > maxCmds || cmdSize > maxCmdBytes || int64(hdr)+cmdSize > s.size {
		return fmt.Errorf("load commands (%d, %d bytes) do not fit the %d-byte slice", ncmds, cmdSize, s.size)
	}
	cmds := make([]byte, cmdSize)
	if _, err := r.ReadAt(cmds, s.off+int64(hdr)); err != nil {
		return fmt.Errorf("load commands: %w", err)
	}
	return s.readCommands(cmds, ncmds)
}

func (s *slice) readCommands(b []byte, n uint32) error {
	o := s.order
	for i := uint32(0); i < n; i++ {
		if len(b) < 8 {
			return fmt.Errorf("load command %d truncated", i)
		}
		cmd, size := o.Uint32(b), o.Uint32(b[4:])
		if size < 8 || int64(size) > int64(len(b)) {
			return fmt.Errorf("load command %d: size %d invalid", i, size)
		}
		if cmd == lcCodeSignature {
			if size < 16 {
				return fmt.Errorf("LC_CODE_SIGNATURE: size %d too small", size)
			}
			s.sigOff, s.sigSize, s.hasSig = int64(o.Uint32(b[8:])), int64(o.Uint32(b[12:])), true
		}
		b = b[size:]
	}
	return nil
}

// archName names CPU types the way lipo does.
func archName(cpu, sub uint32) string {
	switch cpu {
	case 7:
		return "i386"
	case 0x01000007:
		if sub&0xff == 8 {
			return "x86_64h"
		}
		return "x86_64"
	case 12:
		return "arm"
	case 0x0100000c:
		if sub&0xff == 2 {
			return "arm64e"
		}
		return "arm64"
	case 0x0200000c:
		return "arm64_32"
	case 18:
		return "ppc"
	case 0x01000012:
		return "ppc64"
	}
	return fmt.Sprintf("cpu%#x", cpu)
}
