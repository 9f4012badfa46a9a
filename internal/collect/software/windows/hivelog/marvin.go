package hivelog

import (
	"encoding/binary"
	"math/bits"
)

// logSeed is the Marvin32 seed of registry log entries, as the 64-bit
// integer Windows uses (yarp's MARVIN32_SEED). Read as little-endian bytes
// 82 EF 4D 88 ... it would be byte-swapped, and no entry Windows wrote
// would match (testdata/yarp).
const logSeed = 0x82EF4D887A4E55C5

// marvin32 is Microsoft's Marvin32 hash of data with a 64-bit seed, in its
// 64-bit form (high state word << 32 | low state word).
func marvin32(seed uint64, data []byte) uint64 {
	lo, hi := uint32(seed), uint32(seed>>32)
	for ; len(data) >= 4; data = data[4:] {
		lo += binary.LittleEndian.Uint32(data)
		lo, hi = marvinMix(lo, hi)
	}
	// The 0-3 bytes left, then a 0x80 byte, as a little-endian word.
	last := uint32(0x80) << (8 * len(data))
	for i, b := range data {
		last |= uint32(b) << (8 * i)
	}
	lo += last
	lo, hi = marvinMix(lo, hi)
	lo, hi = marvinMix(lo, hi)
	return uint64(hi)<<32 | uint64(lo)
}

func marvinMix(lo, hi uint32) (uint32, uint32) {
	hi ^= lo
	lo = bits.RotateLeft32(lo, 20)
	lo += hi
	hi = bits.RotateLeft32(hi, 9)
	hi ^= lo
	lo = bits.RotateLeft32(lo, 27)
	lo += hi
	hi = bits.RotateLeft32(hi, 19)
	return lo, hi
}
