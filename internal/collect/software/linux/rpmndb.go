package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// rpm's "ndb" Packages.db layout (lib/backend/ndb/rpmpkg.c): a 32-byte
// header, slot pages of 16-byte slots (magic, package index, block offset,
// block count; the header takes the first two), and blobs addressed in
// 16-byte blocks, each a 16-byte blob header (magic, package index,
// generation, length) followed by the header blob.
const (
	ndbMagic       = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbPageSize    = 4096
	ndbBlockSize   = 16
	ndbMaxSlotPage = 2048 // 512Ki slots
)

// readNDB hands each header blob in an ndb Packages.db to visit. The
// blobs' checksums are not verified. Blobs that do not fit, or overlap a
// blob already read, are counted in probs, so no byte is read twice.
func readNDB(r io.ReaderAt, size int64, visit visitFunc, probs *problems) error {
	head := make([]byte, 32)
	if _, err := r.ReadAt(head, 0); err != nil {
		return fmt.Errorf("ndb header: %w", err)
	}
	le := binary.LittleEndian
	if le.Uint32(head) != ndbMagic || le.Uint32(head[4:]) != 0 {
		return errors.New("not an rpm ndb database")
	}
	npages := int64(le.Uint32(head[12:]))
	if npages == 0 || npages > ndbMaxSlotPage || npages*ndbPageSize > size {
		return fmt.Errorf("ndb claims %d slot pages in %d bytes", npages, size)
	}
	slots, err := readNDBSlots(r, npages)
	if err != nil {
		return err
	}
	end := npages * ndbPageSize // blobs lie after the slot pages, in block order
	for _, s := range slots {
		if int64(s.blk)*ndbBlockSize < end {
			probs.add(fmt.Errorf("ndb package %d: blob at block %d overlaps another", s.pkg, s.blk))
			continue
		}
		blob, err := readNDBBlob(r, size, s)
		if err != nil {
			probs.add(fmt.Errorf("ndb package %d: %w", s.pkg, err))
			continue
		}
		end = int64(s.blk+s.cnt) * ndbBlockSize
		visit(fmt.Sprintf("ndb package %d", s.pkg), blob)
	}
	return nil
}

type ndbSlot struct{ pkg, blk, cnt uint32 }

// readNDBSlots returns the used slots in block order.
func readNDBSlots(r io.ReaderAt, npages int64) ([]ndbSlot, error) {
	raw := make([]byte, npages*ndbPageSize)
	if _, err := r.ReadAt(raw, 0); err != nil {
		return nil, fmt.Errorf("ndb slots: %w", err)
	}
	le := binary.LittleEndian
	var slots []ndbSlot
	for off := 32; off < len(raw); off += 16 {
		s := raw[off:]
		if le.Uint32(s) != ndbSlotMagic {
			return nil, fmt.Errorf("ndb slot at %d: bad magic", off)
		}
		if pkg := le.Uint32(s[4:]); pkg != 0 { // 0 is a free slot
			slots = append(slots, ndbSlot{pkg, le.Uint32(s[8:]), le.Uint32(s[12:])})
		}
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].blk < slots[j].blk })
	return slots, nil
}

// readNDBBlob reads a slot's blob, which must lie inside the file.
func readNDBBlob(r io.ReaderAt, size int64, s ndbSlot) ([]byte, error) {
	pkg, blk, cnt := s.pkg, s.blk, s.cnt
	start, span := int64(blk)*ndbBlockSize, int64(cnt)*ndbBlockSize
	if span < 2*ndbBlockSize || start+span > size {
		return nil, fmt.Errorf("blocks %d+%d outside the file", blk, cnt)
	}
	head := make([]byte, 16)
	if _, err := r.ReadAt(head, start); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if le.Uint32(head) != ndbBlobMagic || le.Uint32(head[4:]) != pkg {
		return nil, fmt.Errorf("no blob header for it at block %d", blk)
	}
	n := int64(le.Uint32(head[12:]))
	if n > maxHeaderBlob || 16+n > span {
		return nil, fmt.Errorf("blob of %d bytes in %d blocks", n, cnt)
	}
	blob := make([]byte, n)
	if _, err := r.ReadAt(blob, start+16); err != nil {
		return nil, err
	}
	return blob, nil
}
