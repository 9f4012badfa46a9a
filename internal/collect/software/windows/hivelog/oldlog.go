package hivelog

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// The old format (Windows Vista to 8): one NAME.LOG holding a copy of the
// base block, a bitmap of the hive's dirty 512-byte pages ("DIRT") and
// those pages in order.

// applyOld applies the first old-format log that belongs to the hive's last
// write (same last-written time, equal sequence numbers, valid checksum).
// It returns nil when none does.
func (rec *recovery) applyOld(oldLogs []int) []byte {
	stamp := rec.base.stamp
	if rec.newBase == nil && !rec.base.sumOK && len(rec.hive) >= baseSize+28 {
		stamp = binary.LittleEndian.Uint64(rec.hive[baseSize+20:]) // the first bin's copy
	}
	for _, i := range oldLogs {
		l := rec.logs[i]
		lb, _ := readBase(l.Data)
		switch {
		case !lb.sumOK || lb.seq1 != lb.seq2:
			rec.res.Left = append(rec.res.Left, l.Name+": its base block is invalid or incomplete (a log write did not finish)")
			continue
		case lb.stamp != stamp:
			rec.res.Left = append(rec.res.Left, l.Name+": belongs to another write of the hive (last-written times differ)")
			continue
		}
		offs, pages, err := dirtyVector(l.Data, lb.bins, rec.limit)
		if err != nil {
			rec.res.Left = append(rec.res.Left, fmt.Sprintf("%s: %v", l.Name, err))
			continue
		}
		buf := rec.copyHive(max(len(rec.hive), baseSize+int(lb.bins)))
		for k, off := range offs {
			copy(buf[baseSize+off:baseSize+off+sector], pages[k*sector:])
		}
		rec.finish(buf, lb.seq1, lb.bins, nil)
		rec.res.Applied, rec.res.OldFormat, rec.res.From = len(offs), true, []string{l.Name}
		return buf
	}
	return nil
}

// dirtyVector reads an old-format log: the offsets (in the hive bins data)
// of the pages its bitmap marks dirty, and the pages themselves.
func dirtyVector(data []byte, binsSize uint32, limit int) (offs []int, pages []byte, err error) {
	if binsSize == 0 || binsSize%binAlign != 0 || int64(binsSize) > int64(limit-baseSize) {
		return nil, nil, fmt.Errorf("hive bins data size %d is not a multiple of %d within the %d-byte limit", binsSize, binAlign, limit)
	}
	nbits := int(binsSize / sector)
	vec := sector + 4
	if vec+nbits/8 > len(data) {
		return nil, nil, fmt.Errorf("dirty vector of %d bits runs past the end of the log", nbits)
	}
	bitmap := data[vec : vec+nbits/8]
	for i, b := range bitmap {
		for ; b != 0; b &= b - 1 {
			offs = append(offs, (i*8+bits.TrailingZeros8(b))*sector)
		}
	}
	start := (vec + len(bitmap) + sector - 1) / sector * sector
	if start+len(offs)*sector > len(data) {
		return nil, nil, fmt.Errorf("%d dirty pages marked, the log holds %d", len(offs), max(0, (len(data)-start)/sector))
	}
	return offs, data[start : start+len(offs)*sector], nil
}
