package linux

import (
	"encoding/binary"
	"hash/adler32"
	"testing"
)

// buildNDB writes blobs as an rpm ndb Packages.db with one slot page,
// following lib/backend/ndb/rpmpkg.c: blob header, blob, zero padding and
// a tail (checksum, length, magic) at the end of the last block.
func buildNDB(t testing.TB, blobs [][]byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	db := make([]byte, ndbPageSize)
	le.PutUint32(db, ndbMagic)
	le.PutUint32(db[12:], 1) // slot pages
	le.PutUint32(db[16:], uint32(len(blobs)+1))
	for off := 32; off < ndbPageSize; off += 16 {
		le.PutUint32(db[off:], ndbSlotMagic)
	}
	for i, blob := range blobs {
		pkg := uint32(i + 1)
		blocks := (16 + len(blob) + 12 + ndbBlockSize - 1) / ndbBlockSize
		slot := db[32+16*i:]
		le.PutUint32(slot[4:], pkg)
		le.PutUint32(slot[8:], uint32(len(db)/ndbBlockSize))
		le.PutUint32(slot[12:], uint32(blocks))
		rec := make([]byte, blocks*ndbBlockSize)
		le.PutUint32(rec, ndbBlobMagic)
		le.PutUint32(rec[4:], pkg)
		le.PutUint32(rec[12:], uint32(len(blob)))
		copy(rec[16:], blob)
		tail := rec[len(rec)-12:]
		le.PutUint32(tail, adler32.Checksum(rec[:16+len(blob)]))
		le.PutUint32(tail[4:], uint32(len(blob)))
		le.PutUint32(tail[8:], 'B'|'l'<<8|'b'<<16|'E'<<24)
		db = append(db, rec...)
	}
	return db
}
