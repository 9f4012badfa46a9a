package execart

import (
	"encoding/binary"
	"fmt"
)

// MAM container flags (the fourth byte of "MAM\x04").
const (
	mamHuffman  = 4
	mamChecksum = 0x80 // a CRC-32 follows the size
)

// IsCompressed reports whether b starts with the compressed Prefetch
// container signature.
func IsCompressed(b []byte) bool {
	return len(b) >= 8 && b[0] == 'M' && b[1] == 'A' && b[2] == 'M'
}

// Decompress opens a "MAM" container: signature, compression type, the
// decompressed size (capped at MaxDecompressed) and an LZXPRESS Huffman
// stream. Only the Huffman type, which Windows uses for Prefetch, is read.
func Decompress(b []byte) ([]byte, error) {
	if !IsCompressed(b) {
		return nil, fmt.Errorf("no MAM signature")
	}
	kind := b[3]
	if kind&^mamChecksum != mamHuffman {
		return nil, fmt.Errorf("MAM compression type %#x, only LZXPRESS Huffman (4) is read", kind)
	}
	size := int64(binary.LittleEndian.Uint32(b[4:]))
	body := b[8:]
	if kind&mamChecksum != 0 {
		if len(body) < 4 {
			return nil, fmt.Errorf("MAM header: %w", errTruncated)
		}
		body = body[4:] // the CRC-32 is not checked: the decode itself fails on damage
	}
	if size > MaxDecompressed {
		return nil, fmt.Errorf("MAM header declares %d decompressed bytes, over the %d-byte cap", size, MaxDecompressed)
	}
	out, err := DecompressHuffman(body, int(size))
	if err != nil {
		return nil, fmt.Errorf("LZXPRESS Huffman: %w", err)
	}
	return out, nil
}
