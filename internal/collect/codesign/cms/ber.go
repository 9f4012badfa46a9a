package cms

import (
	"errors"
	"fmt"
)

// maxDepth bounds nesting when measuring indefinite-length BER.
const maxDepth = 64

// ObjectLen returns the length in bytes of the first BER/DER object in b,
// including indefinite-length encodings (Apple CMS blobs use them), so the
// caller can see what follows the object.
func ObjectLen(b []byte) (int, error) {
	return objectLen(b, 0)
}

func objectLen(b []byte, depth int) (int, error) {
	if depth > maxDepth {
		return 0, errors.New("BER nesting too deep")
	}
	hdr, length, indefinite, err := header(b)
	if err != nil {
		return 0, err
	}
	if !indefinite {
		if length > len(b)-hdr {
			return 0, fmt.Errorf("BER length %d exceeds the %d bytes available", length, len(b)-hdr)
		}
		return hdr + length, nil
	}
	if b[0]&0x20 == 0 {
		return 0, errors.New("indefinite length on a primitive BER object")
	}
	off := hdr
	for {
		if off+2 > len(b) {
			return 0, errors.New("BER end-of-contents missing")
		}
		if b[off] == 0 && b[off+1] == 0 {
			return off + 2, nil
		}
		n, err := objectLen(b[off:], depth+1)
		if err != nil {
			return 0, err
		}
		off += n
	}
}

// header parses a BER identifier and length.
func header(b []byte) (hdr, length int, indefinite bool, err error) {
	if len(b) < 2 {
		return 0, 0, false, errors.New("BER object truncated")
	}
	i := 1
	if b[0]&0x1f == 0x1f { // high tag number form
		for ; i < len(b) && b[i]&0x80 != 0; i++ {
			if i > 4 {
				return 0, 0, false, errors.New("BER tag too long")
			}
		}
		i++
	}
	if i >= len(b) {
		return 0, 0, false, errors.New("BER object truncated")
	}
	l := int(b[i])
	i++
	switch {
	case l == 0x80:
		return i, 0, true, nil
	case l < 0x80:
		return i, l, false, nil
	}
	n := l & 0x7f
	if n > 4 || i+n > len(b) {
		return 0, 0, false, errors.New("BER length field invalid")
	}
	length = 0
	for _, c := range b[i : i+n] {
		length = length<<8 | int(c)
	}
	if length < 0 || length > 1<<30 {
		return 0, 0, false, errors.New("BER length absurd")
	}
	return i + n, length, false, nil
}

// IsZero reports whether every byte of b is zero.
func IsZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
