package peinfo

import (
	"crypto"
	"sort"
)

// authentihash computes the Authenticode image digest of b: every byte
// except the CheckSum field, the security directory entry and the
// certificate table, in file order.
func authentihash(b []byte, l layout, h crypto.Hash) []byte {
	type span struct{ start, end int64 }
	skip := []span{{l.checksumOff, l.checksumOff + 4}}
	if l.secDirOff > 0 {
		skip = append(skip, span{l.secDirOff, l.secDirOff + 8})
	}
	if l.certSize > 0 {
		skip = append(skip, span{l.certOff, l.certOff + l.certSize})
	}
	sort.Slice(skip, func(i, j int) bool { return skip[i].start < skip[j].start })
	d := h.New()
	pos := int64(0)
	size := int64(len(b))
	for _, s := range skip {
		start, end := min(s.start, size), min(s.end, size)
		if start > pos {
			d.Write(b[pos:start])
		}
		pos = max(pos, end)
	}
	if pos < size {
		d.Write(b[pos:])
	}
	return d.Sum(nil)
}
