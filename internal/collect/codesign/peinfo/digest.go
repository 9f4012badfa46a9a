package peinfo

import (
	"crypto"
	"fmt"
	"hash"
	"io"
	"sort"
	"sync"
)

// authentihash computes the Authenticode image digest of r: every byte
// except the CheckSum field, the security directory entry and the
// certificate table, in file order, streamed.
func authentihash(r io.ReaderAt, size int64, l layout, h crypto.Hash) ([]byte, error) {
	d, err := imageDigests(r, size, l, []crypto.Hash{h})
	return d[h], err
}

// imageBytes writes the bytes the image digest covers to w.
func imageBytes(r io.ReaderAt, size int64, l layout, w io.Writer) error {
	type span struct{ start, end int64 }
	skip := []span{{l.checksumOff, l.checksumOff + 4}}
	if l.secDirOff > 0 {
		skip = append(skip, span{l.secDirOff, l.secDirOff + 8})
	}
	if l.certSize > 0 {
		skip = append(skip, span{l.certOff, l.certOff + l.certSize})
	}
	sort.Slice(skip, func(i, j int) bool { return skip[i].start < skip[j].start })
	pos := int64(0)
	copyTo := func(end int64) error {
		if end <= pos {
			return nil
		}
		return copyRange(w, r, pos, end)
	}
	for _, s := range skip {
		if err := copyTo(min(s.start, size)); err != nil {
			return fmt.Errorf("image digest: %w", err)
		}
		pos = max(pos, min(s.end, size))
	}
	if err := copyTo(size); err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	return nil
}

// ImageDigests computes the Authenticode image digest of the PE image r
// with each of hs, in one pass. It is what a catalog lists for the file.
func ImageDigests(r io.ReaderAt, size int64, hs []crypto.Hash) (map[crypto.Hash][]byte, error) {
	l, err := readLayout(r, size)
	if err != nil {
		return nil, err
	}
	return imageDigests(r, size, l, hs)
}

func imageDigests(r io.ReaderAt, size int64, l layout, hs []crypto.Hash) (map[crypto.Hash][]byte, error) {
	ds := make(map[crypto.Hash]hash.Hash, len(hs))
	ws := make([]io.Writer, 0, len(hs))
	for _, h := range hs {
		if h.Available() && ds[h] == nil {
			ds[h] = h.New()
			ws = append(ws, ds[h])
		}
	}
	if err := imageBytes(r, size, l, io.MultiWriter(ws...)); err != nil {
		return nil, err
	}
	out := make(map[crypto.Hash][]byte, len(ds))
	for h, d := range ds {
		out[h] = d.Sum(nil)
	}
	return out, nil
}

// bufs are the copy buffers of copyRange: a fresh 256 KiB buffer per image
// cost more in clearing and collecting it than hashing a small image.
var bufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyRange writes r's bytes [from, to) to w: straight from memory as far
// as a prefixReader holds them, the rest through a pooled buffer.
func copyRange(w io.Writer, r io.ReaderAt, from, to int64) error {
	if p, ok := r.(*prefixReader); ok && from < int64(len(p.prefix)) {
		mid := min(to, int64(len(p.prefix)))
		if _, err := w.Write(p.prefix[from:mid]); err != nil {
			return err
		}
		if from = mid; from == to {
			return nil
		}
	}
	buf := bufs.Get().(*[]byte)
	defer bufs.Put(buf)
	_, err := io.CopyBuffer(w, io.NewSectionReader(r, from, to-from), *buf)
	return err
}
