package codesign

import (
	"encoding/hex"
	"io"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/macho"
	"github.com/cascade-ir/cascade/internal/collect/codesign/msi"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// pe parses the image; peinfo holds at most the headers, sections and
// certificate table in memory.
func (c *Collector) pe(r io.ReaderAt, size int64) (found, error) {
	res, err := peinfo.Read(r, size, peinfo.Limits{Limits: c.lim, MaxImage: c.opt.MaxFileSize, CatalogDigests: c.catalogDigests})
	if res == nil {
		return found{}, err
	}
	out := found{anomalies: res.Anomalies, meta: res.Meta}
	out.sigs = c.authenticode(res.Sigs, &out.anomalies)
	// Unsigned images keep the digests a catalog would list them by.
	// Catalogs are joined per source (ForSource), so a new catalog does
	// not invalidate cached records.
	for h, sum := range res.Image {
		out.meta[peinfo.MetaAuthentihash[h]] = hex.EncodeToString(sum)
	}
	return out, err
}

func (c *Collector) msi(r io.ReaderAt, size int64) (found, error) {
	res, err := msi.Read(r, size, c.lim)
	if res == nil {
		return found{}, err
	}
	out := found{anomalies: res.Anomalies, meta: res.Meta}
	out.sigs = c.authenticode(res.Sigs, &out.anomalies)
	return out, err
}

func (c *Collector) macho(r io.ReaderAt, size int64) (found, error) {
	res, err := macho.Read(r, size, c.opt.MaxSignatureBlob)
	if res == nil {
		return found{}, err
	}
	now := c.opt.Now()
	out := found{anomalies: res.Anomalies, meta: res.Meta}
	for _, s := range res.Sigs {
		s.CheckChain(c.roots, now)
		out.sigs = append(out.sigs, s.Sig)
	}
	return out, err
}

// authenticode checks chains and returns the signature records; the
// signatures' own anomalies are added to anomalies.
func (c *Collector) authenticode(ps []*authenticode.Parsed, anomalies *[]snapshot.Anomaly) []snapshot.Signature {
	now := c.opt.Now()
	out := make([]snapshot.Signature, 0, len(ps))
	for _, p := range ps {
		p.CheckChain(c.roots, now)
		out = append(out, p.Sig)
		*anomalies = append(*anomalies, p.Anomalies...)
	}
	return out
}
