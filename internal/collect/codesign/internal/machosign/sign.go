// Package machosign signs thin 64-bit Mach-O files with a CMS signature over a
// SHA-256 code directory, the way codesign lays it out, and builds fat
// binaries. It is test support (quill would drag in a large dependency tree):
// only tests and the fixture tool import it.
package machosign

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/cmsbuild"
)

// thin is the part of a 64-bit little-endian Mach-O the signer rewrites.
type thin struct {
	b            []byte
	csCmd        int // offset of LC_CODE_SIGNATURE
	linkeditCmd  int // offset of the __LINKEDIT LC_SEGMENT_64
	textFileOff  uint64
	textFileSize uint64
	codeLimit    int
}

func parseThin(b []byte) (*thin, error) {
	if len(b) < 32 || binary.LittleEndian.Uint32(b) != 0xfeedfacf {
		return nil, fmt.Errorf("not a thin 64-bit little-endian Mach-O")
	}
	t := &thin{b: b}
	ncmds := int(binary.LittleEndian.Uint32(b[16:]))
	off := 32
	for i := 0; i < ncmds; i++ {
		cmd := binary.LittleEndian.Uint32(b[off:])
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		switch cmd {
		case 0x1d:
			t.csCmd = off
			t.codeLimit = int(binary.LittleEndian.Uint32(b[off+8:]))
		case 0x19:
			name := string(bytes.TrimRight(b[off+8:off+24], "\x00"))
			if name == "__LINKEDIT" {
				t.linkeditCmd = off
			}
			if name == "__TEXT" {
				t.textFileOff = binary.LittleEndian.Uint64(b[off+40:])
				t.textFileSize = binary.LittleEndian.Uint64(b[off+48:])
			}
		}
		off += size
	}
	if t.linkeditCmd == 0 {
		return nil, fmt.Errorf("no __LINKEDIT segment")
	}
	if t.csCmd == 0 {
		return t, t.addCodeSignatureCmd(off)
	}
	return t, nil
}

// Options says how to sign.
type Options struct {
	ID, Team  string
	Runtime   bool   // set the hardened runtime flag
	InfoPlist []byte // bound in special slot 1 when set
	Resources []byte // CodeResources, bound in special slot 3 when set
	Cert      *x509.Certificate
	Key       crypto.PrivateKey
	Chain     []*x509.Certificate
	// CDHashes, when set, replaces the cdhashes attribute's list.
	CDHashes [][]byte
	// Trailer is appended to the CMS blob inside its wrapper.
	Trailer []byte
}

const reserve = 16384 // bytes reserved for the CMS blob

// Sign replaces the signature of the thin Mach-O b (or adds one) with a
// CMS-signed code directory.
func Sign(b []byte, o Options) ([]byte, error) {
	b = bytes.Clone(b)
	t, err := parseThin(b)
	if err != nil {
		return nil, err
	}
	limit := t.codeLimit
	pages := (limit + 4095) / 4096
	nSpecial := 2
	if o.Resources != nil {
		nSpecial = 3
	}
	cdLen := 96 + len(o.ID) + 1 + len(o.Team) + 1 + 32*(nSpecial+pages)
	dataSize := (12 + 3*8 + cdLen + 12 + 8 + reserve + 15) &^ 15
	out := make([]byte, limit, limit+dataSize)
	copy(out, b[:limit])
	le := binary.LittleEndian
	le.PutUint32(out[t.csCmd+12:], uint32(dataSize))
	leFileOff := le.Uint64(out[t.linkeditCmd+40:])
	fileSize := uint64(limit+dataSize) - leFileOff
	le.PutUint64(out[t.linkeditCmd+48:], fileSize)
	le.PutUint64(out[t.linkeditCmd+32:], (fileSize+0x3fff)&^0x3fff)
	reqs := []byte{0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0}
	cd := codeDirectory(out, t, o, nSpecial, reqs)
	cms, err := signCD(cd, o)
	if err != nil {
		return nil, err
	}
	if len(cms)+len(o.Trailer) > reserve {
		return nil, fmt.Errorf("CMS blob %d bytes exceeds the reserved %d", len(cms), reserve)
	}
	sb := superBlob([]blobEntry{{0, cd}, {2, reqs}, {0x10000, wrapBlob(0xfade0b01, append(cms, o.Trailer...))}})
	out = append(out, sb...)
	return append(out, make([]byte, limit+dataSize-len(out))...), nil
}

type blobEntry struct {
	slot uint32
	data []byte
}

func superBlob(entries []blobEntry) []byte {
	be := binary.BigEndian
	head := 12 + 8*len(entries)
	total := head
	for _, e := range entries {
		total += len(e.data)
	}
	b := make([]byte, head, total)
	be.PutUint32(b, 0xfade0cc0)
	be.PutUint32(b[4:], uint32(total))
	be.PutUint32(b[8:], uint32(len(entries)))
	for i, e := range entries {
		be.PutUint32(b[12+8*i:], e.slot)
		be.PutUint32(b[16+8*i:], uint32(len(b)))
		b = append(b, e.data...)
	}
	return b
}

func wrapBlob(magic uint32, data []byte) []byte {
	b := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint32(b, magic)
	binary.BigEndian.PutUint32(b[4:], uint32(8+len(data)))
	return append(b, data...)
}

// codeDirectory builds a version 0x20500 SHA-256 code directory over
// data[:t.codeLimit] in 4 KiB pages.
func codeDirectory(data []byte, t *thin, o Options, nSpecial int, reqs []byte) []byte {
	be := binary.BigEndian
	limit := t.codeLimit
	pages := (limit + 4095) / 4096
	h := make([]byte, 96)
	identOff := 96
	teamOff := identOff + len(o.ID) + 1
	hashOff := teamOff + len(o.Team) + 1 + 32*nSpecial
	var flags uint32
	if o.Runtime {
		flags |= 0x10000
	}
	be.PutUint32(h[0:], 0xfade0c02)
	be.PutUint32(h[8:], 0x20500)
	be.PutUint32(h[12:], flags)
	be.PutUint32(h[16:], uint32(hashOff))
	be.PutUint32(h[20:], uint32(identOff))
	be.PutUint32(h[24:], uint32(nSpecial))
	be.PutUint32(h[28:], uint32(pages))
	be.PutUint32(h[32:], uint32(limit))
	h[36], h[37], h[39] = 32, 2, 12 // hashSize, SHA-256, 4 KiB pages
	if o.Team != "" {
		be.PutUint32(h[48:], uint32(teamOff))
	}
	be.PutUint64(h[64:], t.textFileOff)
	be.PutUint64(h[72:], t.textFileSize)
	be.PutUint64(h[80:], 1) // main binary
	be.PutUint32(h[88:], 0x000e0000)
	cd := append(h, append([]byte(o.ID), 0)...)
	cd = append(cd, append([]byte(o.Team), 0)...)
	special := [][]byte{sum(o.InfoPlist), sum(reqs), sum(o.Resources)}
	for i := nSpecial; i >= 1; i-- {
		cd = append(cd, special[i-1]...)
	}
	for p := 0; p < pages; p++ {
		end := min((p+1)*4096, limit)
		s := sha256.Sum256(data[p*4096 : end])
		cd = append(cd, s[:]...)
	}
	be.PutUint32(cd[4:], uint32(len(cd)))
	return cd
}

// sum is SHA-256 of b, or 32 zero bytes for an unbound slot.
func sum(b []byte) []byte {
	if b == nil {
		return make([]byte, 32)
	}
	s := sha256.Sum256(b)
	return s[:]
}

// signCD makes a detached CMS signature over the code directory with the
// Apple cdhashes attribute, as codesign does.
func signCD(cd []byte, o Options) ([]byte, error) {
	sd := cmsbuild.Detached(cmsbuild.OIDData, cd)
	h := sha256.Sum256(cd)
	hashes := o.CDHashes
	if hashes == nil {
		hashes = [][]byte{h[:20]}
	}
	var list string
	for _, x := range hashes {
		list += "<data>" + base64.StdEncoding.EncodeToString(x) + "</data>"
	}
	plist := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>cdhashes</key><array>%s</array></dict></plist>
`, list)
	attrs := []cmsbuild.Attr{
		{Type: asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 9, 1}, Values: [][]byte{cmsbuild.OctetString([]byte(plist))}},
		{Type: cmsbuild.OIDSigningTime, Values: [][]byte{cmsbuild.UTCTime(time.Now())}},
	}
	key, ok := o.Key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key %T cannot sign", o.Key)
	}
	if _, err := sd.AddSigner(key, o.Cert, crypto.SHA256, attrs, o.Chain...); err != nil {
		return nil, err
	}
	return sd.Marshal(), nil
}

// addCodeSignatureCmd appends an LC_CODE_SIGNATURE after the load commands
// (ending at cmdsEnd) when the header padding has room, as the Go linker
// leaves it on darwin/amd64; the signature will start at the 16-byte
// aligned end of the file.
func (t *thin) addCodeSignatureCmd(cmdsEnd int) error {
	b := t.b
	if cmdsEnd+16 > len(b) || !bytes.Equal(b[cmdsEnd:cmdsEnd+16], make([]byte, 16)) {
		return fmt.Errorf("no room for LC_CODE_SIGNATURE after the load commands")
	}
	le := binary.LittleEndian
	le.PutUint32(b[cmdsEnd:], 0x1d)
	le.PutUint32(b[cmdsEnd+4:], 16)
	le.PutUint32(b[16:], le.Uint32(b[16:])+1)
	le.PutUint32(b[20:], le.Uint32(b[20:])+16)
	t.csCmd = cmdsEnd
	t.codeLimit = (len(b) + 15) &^ 15
	for len(t.b) < t.codeLimit {
		t.b = append(t.b, 0)
	}
	le.PutUint32(t.b[cmdsEnd+8:], uint32(t.codeLimit))
	return nil
}
