package msi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A small, bounded reader of the Compound File Binary format (the container
// of MSI files). It keeps every directory entry's raw fields, which the
// MsiDigitalSignatureEx pre-hash covers, and refuses cyclic or out-of-range
// sector chains instead of following them.

var cfbMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// Sector chain markers.
const (
	endOfChain = 0xfffffffe
	freeSect   = 0xffffffff
	maxRegSect = 0xfffffffa
	noStream   = 0xffffffff
)

// Directory entry types.
const (
	typeStorage = 1
	typeStream  = 2
	typeRoot    = 5
)

// entry is one directory entry.
type entry struct {
	raw   [128]byte
	name  []uint16 // without the terminating NUL
	typ   uint8
	left  uint32
	right uint32
	child uint32
	start uint32
	size  uint64
}

// doc is an opened compound file.
type doc struct {
	r          io.ReaderAt
	size       int64
	sectorSize int64
	cutoff     uint64
	fat        []uint32
	miniFAT    []uint32
	entries    []entry
	mini       []uint32 // sectors holding the mini stream, in order
}

func openCFB(r io.ReaderAt, size int64) (*doc, error) {
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("compound file header: %w", err)
	}
	if !bytes.Equal(h[:8], cfbMagic) {
		return nil, errors.New("not a compound file")
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[30:])
	if (shift != 9 && shift != 12) || le.Uint16(h[32:]) != 6 {
		return nil, fmt.Errorf("compound file sector shift %d / mini shift %d not 9 or 12 / 6", shift, le.Uint16(h[32:]))
	}
	d := &doc{r: r, size: size, sectorSize: 1 << shift, cutoff: uint64(le.Uint32(h[56:]))}
	if err := d.readFAT(h[:]); err != nil {
		return nil, err
	}
	if err := d.readDirectory(le.Uint32(h[48:])); err != nil {
		return nil, err
	}
	if err := d.readMini(le.Uint32(h[60:])); err != nil {
		return nil, err
	}
	return d, nil
}

// sectors is how many whole sectors the file holds after the header.
func (d *doc) sectors() uint32 {
	return uint32(max(0, d.size/d.sectorSize-1))
}

func (d *doc) readSector(n uint32, buf []byte) error {
	if n >= d.sectors() {
		return fmt.Errorf("sector %d beyond the end of the file", n)
	}
	_, err := d.r.ReadAt(buf, (int64(n)+1)*d.sectorSize)
	return err
}

// readFAT collects the FAT sector numbers from the header and the DIFAT
// chain, then reads the FAT.
func (d *doc) readFAT(h []byte) error {
	le := binary.LittleEndian
	nFAT := le.Uint32(h[44:])
	if nFAT > d.sectors() {
		return fmt.Errorf("compound file declares %d FAT sectors in a %d-sector file", nFAT, d.sectors())
	}
	var list []uint32
	for i := 0; i < 109 && uint32(len(list)) < nFAT; i++ {
		list = append(list, le.Uint32(h[76+4*i:]))
	}
	per := int(d.sectorSize/4) - 1
	buf := make([]byte, d.sectorSize)
	seen := map[uint32]bool{}
	for next := le.Uint32(h[68:]); uint32(len(list)) < nFAT && next <= maxRegSect; {
		if seen[next] {
			return errors.New("compound file DIFAT chain is cyclic")
		}
		seen[next] = true
		if err := d.readSector(next, buf); err != nil {
			return fmt.Errorf("DIFAT: %w", err)
		}
		for i := 0; i < per && uint32(len(list)) < nFAT; i++ {
			list = append(list, le.Uint32(buf[4*i:]))
		}
		next = le.Uint32(buf[4*per:])
	}
	if uint32(len(list)) < nFAT {
		return fmt.Errorf("compound file lists %d of %d FAT sectors", len(list), nFAT)
	}
	d.fat = make([]uint32, 0, int(nFAT)*(per+1))
	for _, s := range list {
		if err := d.readSector(s, buf); err != nil {
			return fmt.Errorf("FAT: %w", err)
		}
		for i := 0; i <= per; i++ {
			d.fat = append(d.fat, le.Uint32(buf[4*i:]))
		}
	}
	return nil
}

// chain follows a sector chain through fat, refusing cycles and chains
// longer than the table.
func chain(fat []uint32, start uint32) ([]uint32, error) {
	var out []uint32
	for s := start; s != endOfChain; s = fat[s] {
		if s >= uint32(len(fat)) {
			return nil, fmt.Errorf("sector chain points at %#x, outside the %d-entry table", s, len(fat))
		}
		if len(out) >= len(fat) {
			return nil, errors.New("sector chain is cyclic")
		}
		out = append(out, s)
	}
	return out, nil
}

// readChain reads a whole regular-sector chain (directory, mini FAT).
func (d *doc) readChain(start uint32) ([]byte, error) {
	if start == endOfChain || start == freeSect {
		return nil, nil
	}
	secs, err := chain(d.fat, start)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(secs)*int(d.sectorSize))
	for i, s := range secs {
		if err := d.readSector(s, out[i*int(d.sectorSize):(i+1)*int(d.sectorSize)]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *doc) readDirectory(start uint32) error {
	b, err := d.readChain(start)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	le := binary.LittleEndian
	for off := 0; off+128 <= len(b); off += 128 {
		var e entry
		copy(e.raw[:], b[off:off+128])
		nl := int(le.Uint16(e.raw[64:]))
		if nl >= 2 && nl <= 64 && nl%2 == 0 {
			for i := 0; i < nl/2-1; i++ {
				e.name = append(e.name, le.Uint16(e.raw[2*i:]))
			}
		}
		e.typ = e.raw[66]
		e.left, e.right, e.child = le.Uint32(e.raw[68:]), le.Uint32(e.raw[72:]), le.Uint32(e.raw[76:])
		e.start = le.Uint32(e.raw[116:])
		e.size = le.Uint64(e.raw[120:])
		if d.sectorSize == 512 {
			e.size &= 0xffffffff // version 3: the high word may hold junk
		}
		d.entries = append(d.entries, e)
	}
	if len(d.entries) == 0 || d.entries[0].typ != typeRoot {
		return errors.New("compound file has no root entry")
	}
	return nil
}

func (d *doc) readMini(miniFATStart uint32) error {
	b, err := d.readChain(miniFATStart)
	if err != nil {
		return fmt.Errorf("mini FAT: %w", err)
	}
	for off := 0; off+4 <= len(b); off += 4 {
		d.miniFAT = append(d.miniFAT, binary.LittleEndian.Uint32(b[off:]))
	}
	root := d.entries[0]
	if root.start == endOfChain || root.size == 0 {
		return nil
	}
	if d.mini, err = chain(d.fat, root.start); err != nil {
		return fmt.Errorf("mini stream: %w", err)
	}
	return nil
}
