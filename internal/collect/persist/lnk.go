package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"unicode/utf16"
)

// shellLink is what a Shell Link (.lnk) file says it starts
// ([MS-SHLLINK] 2.1–2.4): the target path from LinkInfo (LocalBasePath
// and CommonPathSuffix, Unicode forms preferred), else the relative
// path, and the command-line arguments. Targets given only as an item ID
// list (shell namespace objects) are not decoded.
type shellLink struct {
	Target, Relative, WorkDir, Args string
}

var lnkCLSID = []byte{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// LinkFlags ([MS-SHLLINK] 2.1.1).
const (
	lnkHasIDList   = 1 << 0
	lnkHasInfo     = 1 << 1
	lnkHasName     = 1 << 2
	lnkHasRelPath  = 1 << 3
	lnkHasWorkDir  = 1 << 4
	lnkHasArgs     = 1 << 5
	lnkHasIcon     = 1 << 6
	lnkIsUnicode   = 1 << 7
	lnkHeaderBytes = 0x4C
)

var errNotLnk = errors.New("not a Shell Link file (bad header size or CLSID)")
var errLnkShort = errors.New("shell link truncated")

// parseLnk reads a Shell Link file's target and arguments.
func parseLnk(b []byte) (shellLink, error) {
	var l shellLink
	if len(b) < lnkHeaderBytes || binary.LittleEndian.Uint32(b) != lnkHeaderBytes || !bytes.Equal(b[4:20], lnkCLSID) {
		return l, errNotLnk
	}
	flags := binary.LittleEndian.Uint32(b[20:])
	off := lnkHeaderBytes
	if flags&lnkHasIDList != 0 {
		if off+2 > len(b) {
			return l, errLnkShort
		}
		off += 2 + int(binary.LittleEndian.Uint16(b[off:]))
		if off > len(b) {
			return l, errLnkShort
		}
	}
	if flags&lnkHasInfo != 0 {
		if off+4 > len(b) {
			return l, errLnkShort
		}
		size := int(binary.LittleEndian.Uint32(b[off:]))
		if size < 0x1C || off+size > len(b) {
			return l, errLnkShort
		}
		l.Target = linkInfoPath(b[off : off+size])
		off += size
	}
	unicode := flags&lnkIsUnicode != 0
	for _, f := range []struct {
		bit uint32
		dst *string
	}{{lnkHasName, nil}, {lnkHasRelPath, &l.Relative}, {lnkHasWorkDir, &l.WorkDir}, {lnkHasArgs, &l.Args}} {
		if flags&f.bit == 0 {
			continue
		}
		s, n, err := lnkString(b[min(off, len(b)):], unicode)
		if err != nil {
			return l, err
		}
		if f.dst != nil {
			*f.dst = s
		}
		off += n
	}
	return l, nil
}

// linkInfoPath joins LocalBasePath and CommonPathSuffix of a LinkInfo
// structure ([MS-SHLLINK] 2.3), the Unicode fields when present.
func linkInfoPath(li []byte) string {
	hdr := binary.LittleEndian.Uint32(li[4:])
	flags := binary.LittleEndian.Uint32(li[8:])
	if flags&1 == 0 { // no VolumeIDAndLocalBasePath: a network target
		return ""
	}
	if hdr >= 0x24 && len(li) >= 0x24 {
		base := cUTF16(li, binary.LittleEndian.Uint32(li[0x1C:]))
		suffix := cUTF16(li, binary.LittleEndian.Uint32(li[0x20:]))
		if base != "" {
			return base + suffix
		}
	}
	return cANSI(li, binary.LittleEndian.Uint32(li[0x10:])) + cANSI(li, binary.LittleEndian.Uint32(li[0x18:]))
}

// cANSI reads a NUL-terminated string at off (code page bytes above 0x7F
// read as Latin-1).
func cANSI(b []byte, off uint32) string {
	if off == 0 || int(off) >= len(b) {
		return ""
	}
	s := b[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return string(r)
}

// cUTF16 reads a NUL-terminated UTF-16LE string at off.
func cUTF16(b []byte, off uint32) string {
	if off == 0 || int(off) >= len(b) {
		return ""
	}
	var u []uint16
	for i := int(off); i+1 < len(b) && len(u) < maxLineBytes; i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// lnkString reads a StringData entry ([MS-SHLLINK] 2.4): a character
// count, then that many characters. n is the bytes it took.
func lnkString(b []byte, unicode bool) (s string, n int, err error) {
	if len(b) < 2 {
		return "", 0, errLnkShort
	}
	count := int(binary.LittleEndian.Uint16(b))
	size := count
	if unicode {
		size *= 2
	}
	if 2+size > len(b) {
		return "", 0, errLnkShort
	}
	raw := b[2 : 2+size]
	if !unicode {
		return cANSI(append(append([]byte{0}, raw...), 0), 1), 2 + size, nil
	}
	u := make([]uint16, count)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	return string(utf16.Decode(u)), 2 + size, nil
}
