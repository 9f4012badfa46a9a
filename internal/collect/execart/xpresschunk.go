package execart

import (
	"encoding/binary"
	"fmt"
)

// decodeChunk decodes symbols from in[pos:] until the chunk's 64 KiB of
// output is complete or the whole output (size bytes) is. A match may run
// past the chunk's end; the next chunk's table follows the last 16-bit
// word the bit reader took.
func decodeChunk(in []byte, pos int, out []byte, size int, t *decodeTable) (int, []byte, error) {
	r := bitReader{in: in, pos: pos, extra: 16}
	hi, err := r.word()
	if err != nil {
		return pos, out, err
	}
	lo, err := r.word()
	if err != nil {
		return pos, out, err
	}
	r.bits = hi<<16 | lo
	end := len(out) + chunkOut
	for len(out) < end && len(out) < size {
		idx := r.bits >> (32 - maxCodeLen)
		l := int(t.len[idx])
		if l == 0 {
			return r.pos, out, fmt.Errorf("input offset %d: bit pattern matches no Huffman code", r.pos)
		}
		sym := int(t.sym[idx])
		if err := r.consume(l); err != nil {
			return r.pos, out, fmt.Errorf("input offset %d: %w", r.pos, err)
		}
		if sym < 256 {
			out = append(out, byte(sym))
			continue
		}
		if out, err = match(&r, sym-256, out, size); err != nil {
			return r.pos, out, fmt.Errorf("input offset %d: %w", r.pos, err)
		}
	}
	return r.pos, out, nil
}

// match decodes one match symbol's length and offset and copies it.
func match(r *bitReader, sym int, out []byte, size int) ([]byte, error) {
	length, offBits := sym&15, sym>>4
	if length == 15 {
		b, err := r.byteAt()
		if err != nil {
			return out, err
		}
		length = b + 15
		if b == 255 {
			if length, err = extendedLength(r); err != nil {
				return out, err
			}
		}
	}
	length += 3
	offset := int(r.bits>>(32-uint(offBits))) + 1<<offBits // bits>>32 is 0 in Go
	if err := r.consume(offBits); err != nil {
		return out, err
	}
	if offset > len(out) {
		return out, fmt.Errorf("match refers %d bytes back, before the start of the output (%d bytes)", offset, len(out))
	}
	if length > size-len(out) {
		return out, fmt.Errorf("match of %d bytes runs past the declared size %d", length, size)
	}
	from := len(out) - offset
	for i := range length { // byte by byte: a match may overlap its own output
		out = append(out, out[from+i])
	}
	return out, nil
}

// extendedLength reads the 16-bit (or, when that is 0, 32-bit) length
// that follows a 255 length byte; it is the match length minus 3.
func extendedLength(r *bitReader) (int, error) {
	if r.pos+2 > len(r.in) {
		return 0, errTruncated
	}
	n := int(binary.LittleEndian.Uint16(r.in[r.pos:]))
	r.pos += 2
	if n == 0 {
		if r.pos+4 > len(r.in) {
			return 0, errTruncated
		}
		n = int(binary.LittleEndian.Uint32(r.in[r.pos:]))
		r.pos += 4
	}
	if n < 15 {
		return 0, fmt.Errorf("extended match length %d is under 15", n)
	}
	if n > MaxDecompressed {
		return 0, fmt.Errorf("extended match length %d over the %d-byte cap", n, MaxDecompressed)
	}
	return n, nil
}
