package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Apple bookmark data ("book"), as in login items' backgrounditems.btm
// (macOS 10.13–12) and the Background Task Management store: a header
// naming the data area, a table of contents of (key, offset) pairs, and
// typed records at those offsets. Only what a persistence entry needs is
// read: the target's path components, its creation date, the volume's
// mount point and name, and the display name. Layout as described by the
// libyal dtformats documentation "Mac OS background item bookmark data
// format"; checked against plaso's published expectations for its public
// sample (testdata/loginitems).

// bookmark is what a login item's bookmark says about its target.
type bookmark struct {
	Path        string    // absolute path of the target
	Created     time.Time // the target's creation time, when recorded
	VolumePath  string    // the volume's mount point
	VolumeName  string
	DisplayName string
}

// Bookmark keys and record types.
const (
	bmkPath        = 0x1004
	bmkCreated     = 0x1040
	bmkVolumePath  = 0x2002
	bmkVolumeName  = 0x2010
	bmkDisplayName = 0xf017

	bmkTypeString = 0x0101
	bmkTypeDate   = 0x0400
	bmkTypeArray  = 0x0601
)

const (
	maxBookmarkBytes = 64 << 10
	maxBookmarkTOC   = 512 // entries read from one table of contents
	maxBookmarkTOCs  = 8   // tables of contents followed
	maxPathParts     = 256
	maxBookmarkText  = 4096 // bytes of one string, and of the joined path (macOS PATH_MAX is 1024)
)

// appleEpoch is the reference date of Core Foundation times.
var appleEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// parseBookmark reads bookmark data. Errors name the offset and why.
func parseBookmark(b []byte) (bookmark, error) {
	var bm bookmark
	if len(b) < 16 || string(b[:4]) != "book" {
		return bm, errors.New("bookmark: no \"book\" signature")
	}
	if len(b) > maxBookmarkBytes {
		return bm, fmt.Errorf("bookmark: %d bytes, over the %d-byte bound", len(b), maxBookmarkBytes)
	}
	if size := binary.LittleEndian.Uint32(b[4:]); size < 16 {
		return bm, fmt.Errorf("bookmark: size %d is shorter than the header", size)
	} else if int64(size) < int64(len(b)) {
		b = b[:size] // trailing bytes are not the bookmark's
	}
	h := int(binary.LittleEndian.Uint32(b[12:]))
	if h < 16 || h+4 > len(b) {
		return bm, fmt.Errorf("bookmark: data area at %d outside %d bytes", h, len(b))
	}
	data := b[h:]
	u32 := func(off int) (uint32, bool) {
		if off < 0 || off+4 > len(data) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(data[off:]), true
	}
	// record returns the type and payload of the record at off.
	record := func(off int) (uint32, []byte, error) {
		n, ok1 := u32(off)
		t, ok2 := u32(off + 4)
		if !ok1 || !ok2 || int64(off)+8+int64(n) > int64(len(data)) {
			return 0, nil, fmt.Errorf("bookmark: record at %d runs past the end", h+off)
		}
		return t, data[off+8 : off+8+int(n)], nil
	}
	str := func(off int) (string, error) {
		t, p, err := record(off)
		if err != nil {
			return "", err
		}
		if t != bmkTypeString {
			return "", fmt.Errorf("bookmark: record at %d is type %#x, not a string", h+off, t)
		}
		if len(p) > maxBookmarkText {
			return "", fmt.Errorf("bookmark: string at %d is %d bytes long", h+off, len(p))
		}
		return strings.ToValidUTF8(string(p), string(utf8.RuneError)), nil
	}
	first, ok := u32(0)
	if !ok {
		return bm, errors.New("bookmark: no table of contents offset")
	}
	toc := int(first)
	for range maxBookmarkTOCs {
		if toc == 0 {
			break
		}
		magic, ok1 := u32(toc + 4)
		next, ok2 := u32(toc + 12)
		count, ok3 := u32(toc + 16)
		if !ok1 || !ok2 || !ok3 || magic != 0xfffffffe {
			return bm, fmt.Errorf("bookmark: no table of contents at %d", h+toc)
		}
		if count > maxBookmarkTOC {
			return bm, fmt.Errorf("bookmark: table of contents at %d claims %d entries", h+toc, count)
		}
		for i := range int(count) {
			e := toc + 20 + 12*i
			key, ok1 := u32(e)
			off, ok2 := u32(e + 4)
			if !ok1 || !ok2 {
				return bm, fmt.Errorf("bookmark: table of contents at %d runs past the end", h+toc)
			}
			if err := bm.set(key, int(off), record, str); err != nil {
				return bm, err
			}
		}
		if int(next) == toc {
			break
		}
		toc = int(next)
	}
	if bm.Path == "" {
		return bm, errors.New("bookmark: no target path")
	}
	return bm, nil
}

// set stores the record at off under key, for the keys a login item needs.
func (bm *bookmark) set(key uint32, off int, record func(int) (uint32, []byte, error), str func(int) (string, error)) error {
	var err error
	switch key {
	case bmkPath:
		if bm.Path != "" {
			return nil // a repeated key: the first one stands
		}
		var t uint32
		var p []byte
		if t, p, err = record(off); err != nil {
			return err
		}
		if t != bmkTypeArray || len(p)%4 != 0 || len(p)/4 > maxPathParts {
			return fmt.Errorf("bookmark: path record (type %#x, %d bytes) is not an array of strings", t, len(p))
		}
		parts := make([]string, 0, len(p)/4)
		total := 0
		for i := 0; i < len(p); i += 4 {
			s, err := str(int(binary.LittleEndian.Uint32(p[i:])))
			if err != nil {
				return err
			}
			if total += len(s) + 1; total > maxBookmarkText {
				return fmt.Errorf("bookmark: path longer than %d bytes", maxBookmarkText)
			}
			parts = append(parts, s)
		}
		bm.Path = "/" + strings.Join(parts, "/")
	case bmkCreated:
		var t uint32
		var p []byte
		if t, p, err = record(off); err == nil && t == bmkTypeDate && len(p) == 8 {
			bm.Created = appleTime(math.Float64frombits(binary.BigEndian.Uint64(p)))
		}
	case bmkVolumePath:
		bm.VolumePath, err = str(off)
	case bmkVolumeName:
		bm.VolumeName, err = str(off)
	case bmkDisplayName:
		bm.DisplayName, err = str(off)
	}
	return err
}

// appleTime converts Core Foundation seconds; out-of-range values are zero.
func appleTime(s float64) time.Time {
	if math.IsNaN(s) || s < -1e11 || s > 1e11 {
		return time.Time{}
	}
	sec, frac := math.Modf(s)
	return appleEpoch.Add(time.Duration(sec) * time.Second).Add(time.Duration(frac * 1e9)).UTC()
}

// parseAlias reads the target path of classic Mac OS alias data (version 2
// or 3), as com.apple.loginitems.plist keeps it (macOS 10.12 and before):
// the POSIX path tag (0x12, relative to its volume) joined to the volume's
// mount point tag (0x13, "/" when absent).
func parseAlias(b []byte) (string, error) {
	if len(b) < 8 {
		return "", errors.New("alias: shorter than its header")
	}
	var start int
	switch v := binary.BigEndian.Uint16(b[6:]); v {
	case 2:
		start = 150
	case 3:
		start = 58
	default:
		return "", fmt.Errorf("alias: version %d", v)
	}
	var rel, mount string
	for off := start; off+4 <= len(b); {
		tag := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if tag == 0xffff {
			break
		}
		if off+4+n > len(b) {
			return "", fmt.Errorf("alias: tag %#x at %d runs past the end", tag, off)
		}
		v := strings.ToValidUTF8(string(b[off+4:off+4+n]), string(utf8.RuneError))
		switch tag {
		case 0x12:
			rel = v
		case 0x13:
			mount = v
		}
		off += 4 + n + n%2
	}
	if rel == "" {
		return "", errors.New("alias: no POSIX path")
	}
	if mount == "" {
		mount = "/"
	}
	return strings.TrimSuffix(mount, "/") + "/" + strings.TrimPrefix(rel, "/"), nil
}
