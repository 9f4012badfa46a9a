package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Berkeley DB hash database layout (db_page.h): a metadata page, then
// hash pages whose items alternate key and data, and overflow pages
// chaining values too big for a hash page.
const (
	bdbHashMagic     = 0x061561
	bdbPageHeader    = 26
	bdbPageHash      = 13
	bdbPageHashOld   = 2 // P_HASH_UNSORTED
	bdbPageOverflow  = 7
	bdbPageHashMeta  = 8
	bdbItemKeyData   = 1 // H_KEYDATA: the value is inline
	bdbItemOffPage   = 3 // H_OFFPAGE: the value is on overflow pages
	bdbOffPageLength = 12
)

// bdb reads the hash database behind rpm's legacy Packages file.
type bdb struct {
	r        io.ReaderAt
	order    binary.ByteOrder
	pageSize int
	pages    uint32   // pages actually present in the file
	buf      []byte   // the hash page being read
	used     []uint64 // overflow pages already read: each belongs to one value
}

// readBDB hands each header blob in a Berkeley DB Packages file to visit.
// Items it cannot follow are counted in probs; a file that is not a hash
// database at all is an error.
func readBDB(r io.ReaderAt, size int64, visit visitFunc, probs *problems) error {
	db, err := openBDB(r, size)
	if err != nil {
		return err
	}
	for pg := uint32(1); pg < db.pages; pg++ {
		if err := db.readPage(pg, db.buf); err != nil {
			return err
		}
		if t := db.buf[25]; t == bdbPageHash || t == bdbPageHashOld {
			db.hashPage(pg, visit, probs)
		}
	}
	return nil
}

func openBDB(r io.ReaderAt, size int64) (*bdb, error) {
	meta := make([]byte, 72)
	if _, err := r.ReadAt(meta, 0); err != nil {
		return nil, fmt.Errorf("berkeley db metadata: %w", err)
	}
	db := &bdb{r: r, order: binary.LittleEndian}
	switch {
	case binary.LittleEndian.Uint32(meta[12:]) == bdbHashMagic:
	case binary.BigEndian.Uint32(meta[12:]) == bdbHashMagic:
		db.order = binary.BigEndian
	default:
		return nil, errors.New("not a berkeley db hash database")
	}
	ps := db.order.Uint32(meta[20:])
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("berkeley db page size %d", ps)
	}
	if meta[24] != 0 {
		return nil, errors.New("berkeley db is encrypted")
	}
	if meta[25] != bdbPageHashMeta {
		return nil, fmt.Errorf("berkeley db page 0 has type %d, not hash metadata", meta[25])
	}
	db.pageSize = int(ps)
	db.pages = uint32(min(uint64(db.order.Uint32(meta[32:]))+1, uint64(size/int64(ps))))
	db.buf = make([]byte, ps)
	db.used = make([]uint64, db.pages/64+1)
	return db, nil
}

func (db *bdb) readPage(pg uint32, buf []byte) error {
	if _, err := db.r.ReadAt(buf, int64(pg)*int64(db.pageSize)); err != nil {
		return fmt.Errorf("berkeley db page %d: %w", pg, err)
	}
	return nil
}

// hashPage visits the data item of every key/data pair on a hash page.
func (db *bdb) hashPage(pg uint32, visit visitFunc, probs *problems) {
	page := db.buf
	entries := int(db.order.Uint16(page[20:]))
	if bdbPageHeader+2*entries > db.pageSize {
		probs.add(fmt.Errorf("berkeley db page %d: %d entries do not fit", pg, entries))
		return
	}
	for i := 1; i < entries; i += 2 {
		item, err := db.item(page, entries, i)
		if err != nil {
			probs.add(fmt.Errorf("berkeley db page %d item %d: %w", pg, i, err))
			continue
		}
		blob, err := db.value(item)
		if err != nil {
			probs.add(fmt.Errorf("berkeley db page %d item %d: %w", pg, i, err))
			continue
		}
		if blob != nil {
			visit(fmt.Sprintf("berkeley db page %d item %d", pg, i), blob)
		}
	}
}

// item returns item i of a page: it runs from its offset to the previous
// item's offset (or the page end), as Berkeley DB's LEN_HITEM says.
func (db *bdb) item(page []byte, entries, i int) ([]byte, error) {
	inp := func(j int) int { return int(db.order.Uint16(page[bdbPageHeader+2*j:])) }
	end := db.pageSize
	if i > 0 {
		end = inp(i - 1)
	}
	start := inp(i)
	if start < bdbPageHeader+2*entries || start >= end || end > db.pageSize {
		return nil, fmt.Errorf("item bounds %d..%d", start, end)
	}
	return page[start:end], nil
}

// value returns a data item's bytes: inline, or gathered from its
// overflow pages. A nil value without error is an item worth skipping.
func (db *bdb) value(item []byte) ([]byte, error) {
	switch item[0] {
	case bdbItemKeyData:
		if len(item) <= 8 {
			return nil, nil // a counter, not a header
		}
		return item[1:], nil
	case bdbItemOffPage:
		if len(item) < bdbOffPageLength {
			return nil, fmt.Errorf("off-page item of %d bytes", len(item))
		}
		return db.overflow(db.order.Uint32(item[4:]), db.order.Uint32(item[8:]))
	}
	return nil, fmt.Errorf("item type %d not supported", item[0])
}

// overflow follows a chain of overflow pages for a value of total bytes.
// The chain may not outrun the length it claims nor use a page another
// chain used, so all chains together read each page at most once.
func (db *bdb) overflow(pg, total uint32) ([]byte, error) {
	if total > maxHeaderBlob {
		return nil, fmt.Errorf("value of %d bytes", total)
	}
	out := make([]byte, 0, min(uint64(total), uint64(db.pages)*uint64(db.pageSize)))
	page := make([]byte, db.pageSize)
	for hops := 0; uint32(len(out)) < total; hops++ {
		if pg == 0 || pg >= db.pages || hops > int(total)/(db.pageSize-bdbPageHeader)+1 {
			return nil, fmt.Errorf("overflow chain breaks at page %d after %d of %d bytes", pg, len(out), total)
		}
		if db.used[pg/64]&(1<<(pg%64)) != 0 {
			return nil, fmt.Errorf("overflow page %d belongs to another value", pg)
		}
		db.used[pg/64] |= 1 << (pg % 64)
		if err := db.readPage(pg, page); err != nil {
			return nil, err
		}
		n := int(db.order.Uint16(page[22:])) // bytes used on this page
		if page[25] != bdbPageOverflow || n > db.pageSize-bdbPageHeader || uint32(len(out)+n) > total {
			return nil, fmt.Errorf("overflow page %d: type %d, %d bytes", pg, page[25], n)
		}
		out = append(out, page[bdbPageHeader:bdbPageHeader+n]...)
		pg = db.order.Uint32(page[16:])
	}
	return out, nil
}
