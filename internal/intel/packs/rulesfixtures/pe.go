package rulesfixtures

import (
	"bytes"
	"encoding/binary"
)

// peSpec describes a minimal PE image: one section of text, then an
// optional certificate table (WIN_CERTIFICATE + PKCS#7 blob + what is
// appended inside the table), then an optional overlay past the table.
type peSpec struct {
	pe32     bool   // PE32 instead of PE32+
	text     []byte // section content (at most 0x200 bytes)
	signed   bool
	blobBody []byte // the PKCS#7 SEQUENCE's content
	inTable  []byte // appended after the blob, counted in the table's size
	overlay  []byte // appended after the table, outside it
}

const (
	textOff  = 0x200
	textSize = 0x200
	certOff  = textOff + textSize
)

// build lays the image out: DOS header, "PE\0\0", COFF header, optional
// header with 16 data directories (the certificate table is entry 4, a
// file offset and size), one section header, the section, the table.
func (s peSpec) build() []byte {
	var b bytes.Buffer
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3C:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	optSize := 240
	magic := uint16(0x20B)
	if s.pe32 {
		optSize, magic = 224, 0x10B
	}
	coff := make([]byte, 20)
	binary.LittleEndian.PutUint16(coff[0:], 0x8664)
	if s.pe32 {
		binary.LittleEndian.PutUint16(coff[0:], 0x14C)
	}
	binary.LittleEndian.PutUint16(coff[2:], 1)
	binary.LittleEndian.PutUint16(coff[16:], uint16(optSize))
	binary.LittleEndian.PutUint16(coff[18:], 0x2022)
	b.Write(coff)
	opt := make([]byte, optSize)
	binary.LittleEndian.PutUint16(opt[0:], magic)
	binary.LittleEndian.PutUint32(opt[16:], 0x1000) // entry point RVA
	dirs := 112
	if s.pe32 {
		dirs = 96
	}
	binary.LittleEndian.PutUint32(opt[dirs-4:], 16) // NumberOfRvaAndSizes
	table := s.table()
	if s.signed {
		binary.LittleEndian.PutUint32(opt[dirs+32:], certOff)
		binary.LittleEndian.PutUint32(opt[dirs+36:], uint32(len(table)))
	}
	b.Write(opt)
	sec := make([]byte, 40)
	copy(sec, ".text")
	binary.LittleEndian.PutUint32(sec[8:], textSize)
	binary.LittleEndian.PutUint32(sec[12:], 0x1000)
	binary.LittleEndian.PutUint32(sec[16:], textSize)
	binary.LittleEndian.PutUint32(sec[20:], textOff)
	b.Write(sec)
	b.Write(make([]byte, textOff-b.Len()))
	text := make([]byte, textSize)
	copy(text, s.text)
	b.Write(text)
	if s.signed {
		b.Write(table)
	}
	b.Write(s.overlay)
	return b.Bytes()
}

// table is the certificate table: WIN_CERTIFICATE (dwLength, revision
// 0x0200, type 0x0002 PKCS_SIGNED_DATA), the blob 30 82 LL LL, then the
// appended bytes, padded to eight bytes as the format asks.
func (s peSpec) table() []byte {
	blob := []byte{0x30, 0x82, byte(len(s.blobBody) >> 8), byte(len(s.blobBody))}
	blob = append(blob, s.blobBody...)
	t := make([]byte, 8, 8+len(blob)+len(s.inTable)+8)
	t = append(t, blob...)
	t = append(t, s.inTable...)
	for len(t)%8 != 0 {
		t = append(t, 0)
	}
	binary.LittleEndian.PutUint32(t[0:], uint32(len(t)))
	binary.LittleEndian.PutUint16(t[4:], 0x0200)
	binary.LittleEndian.PutUint16(t[6:], 0x0002)
	return t
}

// signedDataOID starts a stand-in PKCS#7 body: the OID 1.2.840.113549.1.7.2.
var signedDataOID = []byte{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02}

func blob(seed uint64, n int, parts ...[]byte) []byte {
	b := append([]byte{}, signedDataOID...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return append(b, noise(seed, n)...)
}
