// Package pftest writes Prefetch files of every format version and
// compresses them into the Windows 10 "MAM\x04" container, for tests and
// the fixture scripts. The compressor is deliberately simple (every symbol
// a 9-bit code, greedy matching); its output is checked by an independent
// decoder (libscca's sccainfo) in the execart tests.
package pftest

import (
	"encoding/binary"
)

const chunk = 1 << 16

// CompressMAM wraps data in a "MAM\x04" container holding an LZXPRESS
// Huffman stream.
func CompressMAM(data []byte) []byte {
	out := []byte{'M', 'A', 'M', 4, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(data)))
	return append(out, CompressHuffman(data)...)
}

// CompressHuffman encodes data as LZXPRESS Huffman ([MS-XCA] §2.1): per
// 64 KiB of output, a table giving all 512 symbols 9-bit codes, then
// literals and greedy matches found through a 3-byte hash.
func CompressHuffman(data []byte) []byte {
	var out []byte
	last := map[uint32]int{}
	for start := 0; start < len(data); start += chunk {
		end := min(start+chunk, len(data))
		var s stream
		for i := start; i < end; {
			n, off := longest(data, i, end, last)
			if n < 3 {
				s.bits(uint32(data[i]), 9)
				remember(data, i, last)
				i++
				continue
			}
			s.match(n, off)
			for j := i; j < i+n; j++ {
				remember(data, j, last)
			}
			i += n
		}
		out = append(out, make([]byte, 256)...)
		for j := len(out) - 256; j < len(out); j++ {
			out[j] = 0x99 // two 9-bit code lengths
		}
		out = append(out, s.layout()...)
	}
	return out
}

func hash3(d []byte, i int) uint32 { return uint32(d[i]) | uint32(d[i+1])<<8 | uint32(d[i+2])<<16 }

func remember(d []byte, i int, last map[uint32]int) {
	if i+3 <= len(d) {
		last[hash3(d, i)] = i
	}
}

// longest finds a match for d[i:] that ends by end, at most 65535 back.
func longest(d []byte, i, end int, last map[uint32]int) (n, off int) {
	if i+3 > end {
		return 0, 0
	}
	j, ok := last[hash3(d, i)]
	if !ok || i-j > 0xffff {
		return 0, 0
	}
	for n = 0; i+n < end && n < 0xffff; n++ {
		if d[j+n] != d[i+n] {
			break
		}
	}
	return n, i - j
}

// stream gathers a chunk's bits and the raw length bytes, each raw byte
// tagged with the number of 16-bit words the decoder has read when it
// reads the byte (at least 2, then one more per 16 bits consumed).
type stream struct {
	acc  []byte // one bit per byte, for simplicity
	raws []raw
}

type raw struct {
	words int
	b     byte
}

func (s *stream) bits(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		s.acc = append(s.acc, byte(v>>uint(i)&1))
	}
}

func (s *stream) words() int { return max(2, (len(s.acc)+15)/16+1) }

func (s *stream) match(n, off int) {
	hb := 0
	for off>>(hb+1) != 0 {
		hb++
	}
	l := n - 3
	s.bits(uint32(256+min(l, 15)+hb<<4), 9)
	if l >= 15 {
		if l-15 < 255 {
			s.raws = append(s.raws, raw{s.words(), byte(l - 15)})
		} else {
			w := s.words()
			s.raws = append(s.raws, raw{w, 255}, raw{w, byte(l)}, raw{w, byte(l >> 8)})
		}
	}
	s.bits(uint32(off-1<<hb), hb)
}

// layout interleaves the 16-bit words and the raw bytes as the decoder reads them.
func (s *stream) layout() []byte {
	total := s.words()
	var out []byte
	r := 0
	for w := 0; w < total; w++ {
		var v uint16
		for b := 0; b < 16; b++ {
			if i := w*16 + b; i < len(s.acc) {
				v |= uint16(s.acc[i]) << uint(15-b)
			}
		}
		out = binary.LittleEndian.AppendUint16(out, v)
		for ; r < len(s.raws) && s.raws[r].words == w+1; r++ {
			out = append(out, s.raws[r].b)
		}
	}
	return out
}
