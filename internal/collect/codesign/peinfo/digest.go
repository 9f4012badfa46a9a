package peinfo

import (
	"crypto"
	"fmt"
	"io"
	"sort"
)

// authentihash computes the Authenticode image digest of r: every byte
// except the CheckSum field, the security directory entry and the
// certificate table, in file order, streamed.
func authentihash(r io.ReaderAt, size int64, l layout, h crypto.Hash) ([]byte, error) {
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
	buf := make([]byte, 256<<10)
	pos := int64(0)
	copyTo := func(end int64) error {
		if end <= pos {
			return nil
		}
		_, err := io.CopyBuffer(d, io.NewSectionReader(r, pos, end-pos), buf)
		return err
	}
	for _, s := range skip {
		if err := copyTo(min(s.start, size)); err != nil {
			return nil, fmt.Errorf("image digest: %w", err)
		}
		pos = max(pos, min(s.end, size))
	}
	if err := copyTo(size); err != nil {
		return nil, fmt.Errorf("image digest: %w", err)
	}
	return d.Sum(nil), nil
}
