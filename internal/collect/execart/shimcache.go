package execart

import (
	"encoding/binary"
	"fmt"
	"time"
)

// maxShimEntries caps the entries read from one AppCompatCache value
// (Windows keeps at most 1,024).
const maxShimEntries = 1 << 14

// ShimEntry is one AppCompatCache (Shimcache) entry.
type ShimEntry struct {
	Path     string
	Modified time.Time // the file's last-modified time when Windows cached it
	// Executed is "yes" or "no" where the format keeps the flag (Windows
	// 7 and 8), "" otherwise.
	Executed string
}

// ParseShimcache reads an AppCompatCache value: Windows 7 (0xBADC0FEE
// header, 32- and 64-bit entry tables), Windows 8.0/8.1 (128-byte header,
// "00ts"/"10ts" entries) and Windows 10/11 (0x30/0x34-byte header, "10ts"
// entries). Entries read before damage are returned with the error.
func ParseShimcache(b []byte) ([]ShimEntry, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("AppCompatCache: %d bytes is too short", len(b))
	}
	switch h := le32(b, 0); {
	case h == 0xBADC0FEE:
		return parseShim7(b)
	case (h == 0x30 || h == 0x34) && len(b) >= int(h)+4 && string(b[h:h+4]) == "10ts":
		return parseShimTS(b, int(h), false)
	case h == 0x80 && len(b) >= 132 && (string(b[128:132]) == "00ts" || string(b[128:132]) == "10ts"):
		return parseShimTS(b, 128, true)
	default:
		return nil, fmt.Errorf("AppCompatCache: unknown format (header %#x)", h)
	}
}

// parseShimTS reads "10ts"/"00ts" entries: signature, 4 unknown bytes,
// the size of the rest, the path; Windows 8 then has a package name and
// insertion flags before the time.
func parseShimTS(b []byte, off int, win8 bool) ([]ShimEntry, error) {
	var out []ShimEntry
	for off+12 <= len(b) {
		if len(out) >= maxShimEntries {
			return out, fmt.Errorf("AppCompatCache: more than %d entries", maxShimEntries)
		}
		sig := string(b[off : off+4])
		if sig != "10ts" && sig != "00ts" {
			return out, fmt.Errorf("AppCompatCache: entry %d at %d has signature %q", len(out), off, sig)
		}
		size := int(le32(b, off+8))
		body := off + 12
		if size < 2 || body+size > len(b) || body+size < body {
			return out, fmt.Errorf("AppCompatCache: entry %d at %d: size %d overruns the %d-byte value", len(out), off, size, len(b))
		}
		e, err := shimBody(b[body:body+size], win8)
		if err != nil {
			return out, fmt.Errorf("AppCompatCache: entry %d at %d: %w", len(out), off, err)
		}
		out = append(out, e)
		off = body + size
	}
	return out, nil
}

func shimBody(e []byte, win8 bool) (ShimEntry, error) {
	pl := int(binary.LittleEndian.Uint16(e))
	p := 2 + pl
	if p > len(e) {
		return ShimEntry{}, fmt.Errorf("path of %d bytes overruns the entry", pl)
	}
	s := ShimEntry{Path: utf16z(e[2:p])}
	if win8 {
		if p+2 > len(e) {
			return s, fmt.Errorf("truncated before the package name")
		}
		p += 2 + int(binary.LittleEndian.Uint16(e[p:]))
		if p+8 > len(e) {
			return s, fmt.Errorf("truncated before the flags")
		}
		s.Executed = executed(le32(e, p))
		p += 8
	}
	if p+8 > len(e) {
		return s, fmt.Errorf("truncated before the time")
	}
	s.Modified = filetime(le64(e, p))
	return s, nil
}

func executed(insertFlags uint32) string {
	if insertFlags&2 != 0 {
		return "yes"
	}
	return "no"
}

// parseShim7 reads Windows 7's table of fixed-size entries (48 bytes on
// 64-bit systems, 32 on 32-bit) after a 128-byte header; paths live
// elsewhere in the value, at the offsets the entries give.
func parseShim7(b []byte) ([]ShimEntry, error) {
	n := int(le32(b, 4))
	if n > maxShimEntries {
		return nil, fmt.Errorf("AppCompatCache: %d entries, over the cap of %d", n, maxShimEntries)
	}
	size := 48
	if n > 0 && len(b) >= 128+48 && !plausible7x64(b) {
		size = 32
	}
	if 128+n*size > len(b) {
		return nil, fmt.Errorf("AppCompatCache: %d entries overrun the %d-byte value", n, len(b))
	}
	out := make([]ShimEntry, 0, n)
	for i := range n {
		e := 128 + i*size
		pl, po, t := int(binary.LittleEndian.Uint16(b[e:])), int64(le64(b, e+8)), e+16
		if size == 32 {
			po, t = int64(le32(b, e+4)), e+8
		}
		if po < 0 || po+int64(pl) > int64(len(b)) {
			return out, fmt.Errorf("AppCompatCache: entry %d: path (%d bytes at %d) outside the value", i, pl, po)
		}
		out = append(out, ShimEntry{Path: utf16z(b[po : po+int64(pl)]), Modified: filetime(le64(b, t)),
			Executed: executed(le32(b, t+8))})
	}
	return out, nil
}

// plausible7x64 tests the first entry as a 64-bit one: its path offset
// (a 64-bit field) lies inside the value.
func plausible7x64(b []byte) bool {
	po := le64(b, 128+8)
	return po > 128 && po < uint64(len(b)) && le32(b, 128+4) == 0
}
