package hivelog

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Layout of a base block (the first 4096 bytes of a hive; the first 512 of
// a transaction log).
const (
	baseSize   = 4096 // a primary file's base block; hive bins start here
	sector     = 512  // a log's copy of the base block; log data starts here
	binAlign   = 4096 // hive bins data grows in these steps
	offSeq1    = 4
	offSeq2    = 8
	offStamp   = 12
	offType    = 28
	offBins    = 40
	offFlags   = 144
	offSum     = 508
	typeHive   = 0 // primary file
	typeLogOld = 1 // transaction log, Windows Vista to 8 (also 2 on XP)
	typeLogNew = 6 // transaction log, Windows 8.1 and later
)

// base is what recovery needs from a base block.
type base struct {
	seq1, seq2 uint32
	stamp      uint64 // last written, FILETIME
	fileType   uint32
	bins       uint32 // hive bins data size
	sumOK      bool
}

// readBase reads the base block at the start of b. Only a missing "regf"
// signature or a short file is an error; a bad checksum is reported in
// sumOK, since recovery exists for exactly that case.
func readBase(b []byte) (base, error) {
	if len(b) < sector {
		return base{}, fmt.Errorf("%d bytes is too short for a base block", len(b))
	}
	if !bytes.Equal(b[:4], []byte("regf")) {
		return base{}, fmt.Errorf("no regf signature at offset 0")
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	return base{
		seq1:     u32(offSeq1),
		seq2:     u32(offSeq2),
		stamp:    binary.LittleEndian.Uint64(b[offStamp:]),
		fileType: u32(offType),
		bins:     u32(offBins),
		sumOK:    checksumOK(b),
	}, nil
}

// dirty is the kernel's test: a wrong checksum or sequence numbers that
// differ mean the last write to the hive did not complete.
func (b base) dirty() bool { return !b.sumOK || b.seq1 != b.seq2 }

// checksum is the XOR-32 of the first 508 bytes, adjusted as the kernel
// adjusts it: 0xFFFFFFFF becomes 0xFFFFFFFE and 0 becomes 1.
func checksum(b []byte) (raw, adjusted uint32) {
	for i := 0; i < offSum; i += 4 {
		raw ^= binary.LittleEndian.Uint32(b[i:])
	}
	switch adjusted = raw; adjusted {
	case 0xFFFFFFFF:
		adjusted = 0xFFFFFFFE
	case 0:
		adjusted = 1
	}
	return raw, adjusted
}

// checksumOK accepts the stored checksum in its raw or adjusted form (the
// specification gives the first, Windows writes the second).
func checksumOK(b []byte) bool {
	raw, adj := checksum(b)
	got := binary.LittleEndian.Uint32(b[offSum:])
	return got == raw || got == adj
}

// setChecksum stores the adjusted checksum of b's first 508 bytes.
func setChecksum(b []byte) {
	_, adj := checksum(b)
	binary.LittleEndian.PutUint32(b[offSum:], adj)
}

// NeedsRecovery reports whether hive is dirty: its base block has a wrong
// checksum or unequal sequence numbers, so its newest changes may be in its
// transaction logs. A file that is not a hive at all does not need
// recovery; the hive parser reports it.
func NeedsRecovery(hive []byte) bool {
	b, err := readBase(hive)
	return err == nil && b.dirty()
}

// SetChecksum stores the checksum of a base block at the start of b, as
// Windows computes it. Tests use it to build hives and logs.
func SetChecksum(b []byte) { setChecksum(b) }
