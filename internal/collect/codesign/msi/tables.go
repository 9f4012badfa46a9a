package msi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Limits on the tables read for product metadata.
const (
	maxTableStream = 16 << 20
	maxStrings     = 1 << 20
)

// Column type bits (msidefs.h).
const (
	colValid     = 0x0100
	colString    = 0x0800
	colNullable  = 0x1000
	colTemporary = 0x4000
)

// db is the part of an MSI database needed to read a table.
type db struct {
	d        *doc
	streams  map[string]*entry // root streams by decoded name
	strings  []string          // string pool; index 0 is the null string
	refWidth int               // 2, or 3 with long string references
}

func openDB(d *doc) (*db, error) {
	kids, err := d.children(&d.entries[0])
	if err != nil {
		return nil, err
	}
	b := &db{d: d, streams: map[string]*entry{}}
	for _, k := range kids {
		if k.typ == typeStream {
			b.streams[name(k)] = k
		}
	}
	if err := b.readStringPool(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *db) stream(n string) ([]byte, error) {
	e := b.streams[n]
	if e == nil {
		return nil, fmt.Errorf("no %s stream", n)
	}
	return b.d.readStream(e, maxTableStream)
}

// errNotDatabase means the compound file holds no MSI string pool.
var errNotDatabase = errors.New("no MSI string pool")

// readStringPool loads _StringPool (lengths and reference counts) and
// _StringData (the bytes, in the database code page).
func (b *db) readStringPool() error {
	if b.streams["!_StringPool"] == nil {
		return errNotDatabase
	}
	pool, err := b.stream("!_StringPool")
	if err != nil {
		return err
	}
	data, err := b.stream("!_StringData")
	if err != nil {
		return err
	}
	if len(pool) < 4 {
		return errors.New("_StringPool shorter than its header")
	}
	le := binary.LittleEndian
	b.refWidth = 2
	if le.Uint32(pool)&0x80000000 != 0 {
		b.refWidth = 3
	}
	b.strings = []string{""}
	off := 0
	for i := 4; i+4 <= len(pool) && len(b.strings) < maxStrings; i += 4 {
		n, refs := int(le.Uint16(pool[i:])), le.Uint16(pool[i+2:])
		if n == 0 && refs != 0 && i+8 <= len(pool) { // a string over 64 KiB
			i += 4
			n = int(le.Uint32(pool[i:]))
		}
		if n > len(data)-off {
			return fmt.Errorf("_StringPool entry %d: %d bytes past the end of _StringData", len(b.strings), n)
		}
		b.strings = append(b.strings, string(data[off:off+n]))
		off += n
	}
	return nil
}

// column is one stored column of a table.
type column struct {
	name  string
	typ   uint16
	width int
}

// columns reads a table's column layout from _Columns, in column order.
func (b *db) columns(table string) ([]column, error) {
	raw, err := b.stream("!_Columns")
	if err != nil {
		return nil, err
	}
	meta := []column{{typ: colString}, {width: 2}, {typ: colString}, {width: 2}}
	rows, err := b.rows(raw, b.layout(meta))
	if err != nil {
		return nil, fmt.Errorf("_Columns: %w", err)
	}
	type numbered struct {
		n int
		c column
	}
	var cols []numbered
	for _, r := range rows {
		if b.str(r[0]) != table {
			continue
		}
		typ := uint16(r[3] ^ 0x8000)
		cols = append(cols, numbered{int(r[1] ^ 0x8000), column{name: b.str(r[2]), typ: typ}})
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].n < cols[j].n })
	out := make([]column, 0, len(cols))
	for _, c := range cols {
		if c.c.typ&colTemporary == 0 {
			out = append(out, c.c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("_Columns has no columns for table %s", table)
	}
	return b.layout(out), nil
}

// layout sets each column's stored width.
func (b *db) layout(cols []column) []column {
	for i := range cols {
		t := cols[i].typ
		switch {
		case t&^colNullable == colString|colValid: // binary stream reference
			cols[i].width = 2
		case t&colString != 0:
			cols[i].width = b.refWidth
		case cols[i].width == 0 && t&0xff == 4:
			cols[i].width = 4
		case cols[i].width == 0:
			cols[i].width = 2
		}
	}
	return cols
}

// rows decodes a table stream, which stores values column by column.
func (b *db) rows(raw []byte, cols []column) ([][]uint32, error) {
	rowSize := 0
	for _, c := range cols {
		rowSize += c.width
	}
	if rowSize == 0 || len(raw)%rowSize != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte rows", len(raw), rowSize)
	}
	n := len(raw) / rowSize
	out := make([][]uint32, n)
	for i := range out {
		out[i] = make([]uint32, len(cols))
	}
	off := 0
	for ci, c := range cols {
		for r := 0; r < n; r++ {
			v := uint32(0)
			for k := c.width - 1; k >= 0; k-- {
				v = v<<8 | uint32(raw[off+k])
			}
			out[r][ci] = v
			off += c.width
		}
	}
	return out, nil
}

func (b *db) str(ref uint32) string {
	if int(ref) < len(b.strings) {
		return b.strings[ref]
	}
	return ""
}

// properties reads the Property table as a map.
func (b *db) properties() (map[string]string, error) {
	cols, err := b.columns("Property")
	if err != nil {
		return nil, err
	}
	raw, err := b.stream("!Property")
	if err != nil {
		return nil, err
	}
	rows, err := b.rows(raw, cols)
	if err != nil {
		return nil, fmt.Errorf("table Property: %w", err)
	}
	if len(cols) < 2 || cols[0].typ&colString == 0 || cols[1].typ&colString == 0 {
		return nil, errors.New("table Property does not have two string columns")
	}
	props := make(map[string]string, len(rows))
	for _, r := range rows {
		props[b.str(r[0])] = b.str(r[1])
	}
	return props, nil
}
