package execart

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Decoding limits. A Prefetch file decompresses to a few hundred KiB; the
// cap is far above any real one and bounds what a lying header can make
// us allocate.
const (
	MaxDecompressed = 16 << 20
	chunkOut        = 1 << 16 // bytes of output one Huffman table covers
	tableBytes      = 256     // 512 code lengths, 4 bits each
	maxCodeLen      = 15
)

var errTruncated = errors.New("compressed stream truncated")

// DecompressHuffman decodes an LZXPRESS Huffman stream ([MS-XCA] §2.2)
// that the caller says expands to exactly size bytes. A stream that ends
// early, refers before the start of the output, or carries a malformed
// code table is an error; size over MaxDecompressed is refused before any
// allocation.
func DecompressHuffman(in []byte, size int) ([]byte, error) {
	if size < 0 || size > MaxDecompressed {
		return nil, fmt.Errorf("declared size %d outside 0..%d", size, MaxDecompressed)
	}
	out := make([]byte, 0, size)
	var table decodeTable
	pos := 0
	for len(out) < size {
		if len(in)-pos < tableBytes+4 {
			return out, fmt.Errorf("chunk at input offset %d: %w", pos, errTruncated)
		}
		if err := table.build(in[pos : pos+tableBytes]); err != nil {
			return out, fmt.Errorf("chunk at input offset %d: %w", pos, err)
		}
		var err error
		pos, out, err = decodeChunk(in, pos+tableBytes, out, size, &table)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// decodeTable maps the next 15 bits of the stream to a symbol and its
// code length (0 marks a bit pattern no code starts with).
type decodeTable struct {
	sym [1 << maxCodeLen]uint16
	len [1 << maxCodeLen]uint8
}

// build makes the canonical Huffman decoding table from 512 4-bit code
// lengths: codes are assigned in order of (length, symbol).
func (t *decodeTable) build(lens []byte) error {
	var count [maxCodeLen + 1]int
	for i := range 512 {
		count[codeLen(lens, i)]++
	}
	if count[0] == 512 {
		return errors.New("code-length table has no codes")
	}
	// Where each length's first code starts in the 15-bit table.
	var start [maxCodeLen + 2]int
	for l := 1; l <= maxCodeLen; l++ {
		start[l+1] = start[l] + count[l]<<(maxCodeLen-l)
	}
	if start[maxCodeLen+1] > len(t.sym) {
		return errors.New("code-length table over-subscribed")
	}
	for s := range 512 { // symbols in order, so each length's codes are too
		l := codeLen(lens, s)
		if l == 0 {
			continue
		}
		span := 1 << (maxCodeLen - l)
		j := start[l]
		for k := j; k < j+span; k++ {
			t.sym[k], t.len[k] = uint16(s), uint8(l)
		}
		start[l] = j + span
	}
	clear(t.len[start[maxCodeLen+1]:]) // an incomplete code: the rest decodes to nothing
	return nil
}

func codeLen(lens []byte, s int) int {
	b := lens[s/2]
	if s%2 == 1 {
		return int(b >> 4)
	}
	return int(b & 15)
}

// bitReader is [MS-XCA]'s NextBits/ExtraBitCount: 32 bits of lookahead
// filled from 16-bit little-endian words, most significant bit first.
type bitReader struct {
	in    []byte
	pos   int
	bits  uint32
	extra int
}

func (r *bitReader) word() (uint32, error) {
	if r.pos+2 > len(r.in) {
		return 0, errTruncated
	}
	w := uint32(binary.LittleEndian.Uint16(r.in[r.pos:]))
	r.pos += 2
	return w, nil
}

// consume drops n bits, refilling from the input as [MS-XCA] does.
func (r *bitReader) consume(n int) error {
	if n == 0 {
		return nil
	}
	r.bits <<= uint(n)
	r.extra -= n
	if r.extra < 0 {
		w, err := r.word()
		if err != nil {
			return err
		}
		r.bits |= w << uint(-r.extra)
		r.extra += 16
	}
	return nil
}

func (r *bitReader) byteAt() (int, error) {
	if r.pos >= len(r.in) {
		return 0, errTruncated
	}
	r.pos++
	return int(r.in[r.pos-1]), nil
}
