package cms

import (
	"bytes"
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

// needsDER reports whether b, one BER element, uses indefinite lengths or
// constructed strings anywhere, so that it must be rewritten as DER before
// cryptobyte can read it.
func needsDER(b []byte) bool {
	_, changed, err := rewrite(b, 0, false)
	return err == nil && changed
}

// toDER rewrites one BER element as DER: indefinite lengths become definite
// and constructed OCTET STRINGs become primitive. Other BER liberties
// (non-minimal lengths, unsorted SETs) are left for the reader to refuse.
func toDER(b []byte) ([]byte, error) {
	out, _, err := rewrite(b, 0, true)
	return out, err
}

// rewrite walks the element at the start of b (which must be exactly one
// element) and, when emit is set, returns its DER form.
func rewrite(b []byte, depth int, emit bool) (out []byte, changed bool, err error) {
	n, err := objectLen(b, depth)
	if err != nil {
		return nil, false, err
	}
	if n != len(b) {
		return nil, false, errors.New("BER element followed by other data")
	}
	return element(b, depth, emit)
}

// element converts the single element b (its full encoding).
func element(b []byte, depth int, emit bool) ([]byte, bool, error) {
	if depth > maxDepth {
		return nil, false, errors.New("BER nesting too deep")
	}
	hdr, length, indefinite, err := header(b)
	if err != nil {
		return nil, false, err
	}
	tag := b[:tagLen(b)]
	if b[0]&0x20 == 0 { // primitive: copied as is
		return b, false, nil
	}
	body := b[hdr:]
	if indefinite {
		body = body[:len(body)-2] // objectLen found the end-of-contents
	} else {
		body = body[:length]
	}
	octets := len(tag) == 1 && b[0] == 0x24 // constructed OCTET STRING
	changed := indefinite || octets
	var content []byte
	for len(body) > 0 {
		n, err := objectLen(body, depth+1)
		if err != nil {
			return nil, false, err
		}
		child := body[:n]
		body = body[n:]
		if octets {
			if child[0] != 0x04 && child[0] != 0x24 {
				return nil, false, errors.New("constructed OCTET STRING holds another type")
			}
			c, _, err := element(child, depth+1, true)
			if err != nil {
				return nil, false, err
			}
			h, l, _, err := header(c)
			if err != nil {
				return nil, false, err
			}
			content = append(content, c[h:h+l]...)
			continue
		}
		c, ch, err := element(child, depth+1, emit)
		if err != nil {
			return nil, false, err
		}
		changed = changed || ch
		if emit {
			content = append(content, c...)
		}
	}
	if !emit {
		return nil, changed, nil
	}
	if !changed {
		return b, false, nil
	}
	out := bytes.Clone(tag)
	if octets {
		out[0] = 0x04
	}
	out = appendLength(out, len(content))
	return append(out, content...), true, nil
}

// tagLen is the length of b's identifier octets; header has checked them.
func tagLen(b []byte) int {
	if b[0]&0x1f != 0x1f {
		return 1
	}
	i := 1
	for b[i]&0x80 != 0 {
		i++
	}
	return i + 1
}

// appendLength appends a DER length.
func appendLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	var l []byte
	for v := n; v > 0; v >>= 8 {
		l = append([]byte{byte(v)}, l...)
	}
	return append(append(b, 0x80|byte(len(l))), l...)
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
