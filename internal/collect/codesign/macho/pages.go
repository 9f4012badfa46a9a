package macho

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// checkPages hashes the slice's code pages and compares each with cd. It
// returns an anomaly when pages differ or the directory does not cover the
// code it claims to.
func checkPages(r io.ReaderAt, s *slice, cd *codeDir) (*snapshot.Anomaly, error) {
	if cd.codeLimit > s.size {
		a := anomaly.New(anomaly.PageHashMismatch, fmt.Sprintf(
			"the %s code directory covers %d bytes but the %s slice has only %d", hashTypes[cd.hashType].name, cd.codeLimit, s.arch, s.size))
		return &a, nil
	}
	page := cd.pageSize()
	if page == 0 {
		page = max(cd.codeLimit, 1)
	}
	if want := (cd.codeLimit + page - 1) / page; int64(cd.nCode) != want {
		a := anomaly.New(anomaly.PageHashMismatch, fmt.Sprintf(
			"the %s code directory has %d page hashes for %d bytes of code in %d-byte pages (want %d)",
			s.arch, cd.nCode, cd.codeLimit, page, want))
		return &a, nil
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, s.off, cd.codeLimit), 256<<10)
	buf := make([]byte, min(page, 1<<24))
	var bad []int
	for i := 0; i < cd.nCode; i++ {
		n := min(page, cd.codeLimit-int64(i)*page)
		h := cd.hash().New()
		if _, err := io.CopyBuffer(h, io.LimitReader(br, n), buf); err != nil {
			return nil, fmt.Errorf("%s code page %d: %w", s.arch, i, err)
		}
		if !bytes.Equal(h.Sum(nil)[:cd.hashSize], cd.codeSlot(i)) {
			bad = append(bad, i)
		}
	}
	if len(bad) == 0 {
		return nil, nil
	}
	a := anomaly.At(anomaly.PageHashMismatch, fmt.Sprintf(
		"%d of %d code pages of the %s slice differ from the %s hashes in its code directory (first: page %s): the code changed after signing",
		len(bad), cd.nCode, s.arch, hashTypes[cd.hashType].name, pageList(bad, page)),
		s.off+int64(bad[0])*page, page)
	return &a, nil
}

func pageList(pages []int, size int64) string {
	var parts []string
	for i, p := range pages {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%d at %#x", p, int64(p)*size))
	}
	return strings.Join(parts, ", ")
}

// Special slots bound to blobs inside the signature.
var blobSlots = []struct {
	slot uint32
	name string
}{
	{slotRequirements, "requirements"},
	{slotEntitlements, "entitlements"},
	{slotEntitlementsDER, "DER entitlements"},
}

// checkSpecialSlots compares the special slots of cd that bind blobs of the
// same signature with those blobs.
func checkSpecialSlots(sb superBlob, s *slice, cd *codeDir) []snapshot.Anomaly {
	var out []snapshot.Anomaly
	for _, b := range blobSlots {
		stored := cd.specialSlot(int(b.slot))
		blob, present := sb[b.slot]
		switch {
		case stored == nil && !present:
			continue
		case stored == nil || isZero(stored):
			if present {
				out = append(out, anomaly.New(anomaly.SpecialSlotMismatch, fmt.Sprintf(
					"the %s slice carries a %s blob its code directory does not bind", s.arch, b.name)))
			}
			continue
		case !present:
			out = append(out, anomaly.New(anomaly.SpecialSlotMismatch, fmt.Sprintf(
				"the %s code directory binds a %s blob the signature does not contain", s.arch, b.name)))
			continue
		}
		h := cd.hash().New()
		h.Write(blob)
		if !bytes.Equal(h.Sum(nil)[:cd.hashSize], stored) {
			out = append(out, anomaly.New(anomaly.SpecialSlotMismatch, fmt.Sprintf(
				"the %s blob of the %s slice does not match the hash its code directory records", b.name, s.arch)))
		}
	}
	return out
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
