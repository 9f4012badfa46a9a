package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
// blobs' checksums are not verified; blobs that do not fit are counted in
// probs, and all blobs together may not be longer than the file.
func readNDB(r io.ReaderAt, size int64, visit func([]byte), probs *problems) error {
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
	slots := make([]byte, npages*ndbPageSize)
	if _, err := r.ReadAt(slots, 0); err != nil {
		return fmt.Errorf("ndb slots: %w", err)
	}
	budget := size
	for off := 32; off < len(slots); off += 16 {
		s := slots[off:]
		if le.Uint32(s) != ndbSlotMagic {
			return fmt.Errorf("ndb slot at %d: bad magic", off)
		}
		pkg, blk, cnt := le.Uint32(s[4:]), le.Uint32(s[8:]), le.Uint32(s[12:])
		if pkg == 0 {
			continue // free slot
		}
		blob, err := readNDBBlob(r, npages*ndbPageSize, size, pkg, blk, cnt)
		if err != nil {
			probs.add(fmt.Errorf("ndb package %d: %w", pkg, err))
			continue
		}
		if budget -= int64(len(blob)); budget < 0 {
			return errors.New("ndb blobs overlap: more blob bytes than the file holds")
		}
		visit(blob)
	}
	return nil
}

// readNDBBlob reads the blob of package pkg from block blk, cnt blocks
// long, which must lie between the slot pages' end (first) and size.
func readNDBBlob(r io.ReaderAt, first, size int64, pkg, blk, cnt uint32) ([]byte, error) {
	start, span := int64(blk)*ndbBlockSize, int64(cnt)*ndbBlockSize
	if start < first || span < 2*ndbBlockSize || start+span > size {
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
