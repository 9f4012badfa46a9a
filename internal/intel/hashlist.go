package intel

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
)

// HashList is a large list of digests of one type from one source, stored
// compactly (raw digest bytes, one score byte, comments in one buffer) so a
// million entries cost tens of megabytes instead of hundreds. Call Seal
// after the last Add; lookups need a sealed list.
type HashList struct {
	Type     Type
	Source   string
	Incident string

	size     int
	digests  []byte   // len = n*size, sorted after Seal
	scores   []uint8  // per entry
	comments []uint32 // offset of entry i's comment in text; comment ends at the next offset
	ends     []uint32
	text     []byte
	lines    []int32 // source line of each entry, for messages
	sealed   bool
}

// NewHashList returns an empty list for digests of type t.
func NewHashList(t Type, source string) *HashList {
	return &HashList{Type: t, Source: source, size: t.HexLen() / 2}
}

// Add appends one entry. hexDigest must be valid hex of the list's length.
func (h *HashList) Add(hexDigest string, score int, comment string, line int) error {
	return h.AddBytes([]byte(hexDigest), score, []byte(comment), line)
}

// AddBytes is Add for a digest and comment held in byte slices, as a
// line-oriented loader has them; it keeps neither slice.
func (h *HashList) AddBytes(hexDigest []byte, score int, comment []byte, line int) error {
	if len(hexDigest) != h.size*2 {
		return fmt.Errorf("%s digest must have %d hex characters, has %d", h.Type, h.size*2, len(hexDigest))
	}
	start := len(h.digests)
	h.digests = append(h.digests, make([]byte, h.size)...)
	if _, err := hex.Decode(h.digests[start:], hexDigest); err != nil {
		h.digests = h.digests[:start]
		return fmt.Errorf("%s digest is not hex: %q", h.Type, hexDigest)
	}
	h.scores = append(h.scores, uint8(min(max(score, 0), 100)))
	if n := len(h.ends); n > 0 && bytes.Equal(h.text[h.comments[n-1]:h.ends[n-1]], comment) {
		// Lists repeat one comment over a block of digests: share it.
		h.comments = append(h.comments, h.comments[n-1])
		h.ends = append(h.ends, h.ends[n-1])
	} else {
		h.comments = append(h.comments, uint32(len(h.text)))
		h.text = append(h.text, comment...)
		h.ends = append(h.ends, uint32(len(h.text)))
	}
	h.lines = append(h.lines, int32(line))
	h.sealed = false
	return nil
}

// Len is the number of entries.
func (h *HashList) Len() int { return len(h.scores) }

// Seal sorts the list for lookups. Duplicate digests are kept; a lookup
// returns one of them.
func (h *HashList) Seal() {
	sort.Sort((*byDigest)(h))
	h.sealed = true
}

// Lookup finds a raw digest and returns its entry index.
func (h *HashList) Lookup(d []byte) (int, bool) {
	if !h.sealed || len(d) != h.size {
		return 0, false
	}
	n := h.Len()
	i := sort.Search(n, func(i int) bool { return bytes.Compare(h.digest(i), d) >= 0 })
	if i < n && bytes.Equal(h.digest(i), d) {
		return i, true
	}
	return 0, false
}

// Indicator materializes entry i as a full Indicator.
func (h *HashList) Indicator(i int) Indicator {
	hexd := hex.EncodeToString(h.digest(i))
	return Indicator{
		ID:          fmt.Sprintf("%s:%s", h.Source, hexd),
		Type:        h.Type,
		Value:       hexd,
		Score:       int(h.scores[i]),
		Description: string(h.text[h.comments[i]:h.ends[i]]),
		Incident:    h.Incident,
		Sources:     []string{h.Source},
	}
}

// Line is the source line entry i was read from.
func (h *HashList) Line(i int) int { return int(h.lines[i]) }

func (h *HashList) digest(i int) []byte { return h.digests[i*h.size : (i+1)*h.size] }

type byDigest HashList

func (b *byDigest) Len() int { return len(b.scores) }
func (b *byDigest) Less(i, j int) bool {
	h := (*HashList)(b)
	return bytes.Compare(h.digest(i), h.digest(j)) < 0
}
func (b *byDigest) Swap(i, j int) {
	h := (*HashList)(b)
	var tmp [64]byte
	di, dj := h.digest(i), h.digest(j)
	copy(tmp[:h.size], di)
	copy(di, dj)
	copy(dj, tmp[:h.size])
	h.scores[i], h.scores[j] = h.scores[j], h.scores[i]
	h.comments[i], h.comments[j] = h.comments[j], h.comments[i]
	h.ends[i], h.ends[j] = h.ends[j], h.ends[i]
	h.lines[i], h.lines[j] = h.lines[j], h.lines[i]
}
