// Package peinfo reads a PE image's code-signing record: every Authenticode
// signature in its certificate table (nested ones included) with the image
// digest recomputed, the structural anomalies of the certificate table, the
// COFF compile time and the version resource strings. Memory is bounded:
// only the headers and sections (for the version resource) and the
// certificate table are held; the digest streams through the rest.
package peinfo

import (
	"crypto"
	"errors"
	"fmt"
	"io"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Limits bound what one image may make Read hold in memory.
type Limits struct {
	authenticode.Limits
	// MaxImage caps the headers and sections read for the version
	// resource (default 512 MiB); MaxCertTable the certificate table
	// (default 64 MiB).
	MaxImage     int64
	MaxCertTable int64
	// CatalogDigests, when set, are the Authenticode image digests Read
	// computes for an image without an embedded signature (Result.Image),
	// from the bytes it already holds where it can.
	CatalogDigests []crypto.Hash
}

func (l Limits) withDefaults() Limits {
	if l.MaxImage <= 0 {
		l.MaxImage = 512 << 20
	}
	if l.MaxCertTable <= 0 {
		l.MaxCertTable = 64 << 20
	}
	return l
}

// Result is what Read found. Signatures still need CheckChain.
type Result struct {
	Sigs      []*authenticode.Parsed
	Anomalies []snapshot.Anomaly
	Meta      map[string]string
	// Image holds the image digests Limits.CatalogDigests asked for.
	Image map[crypto.Hash][]byte
}

// Read parses the PE image r of size bytes. It returns what it could read
// together with an error describing what it could not; a nil Result means r
// is not a PE image at all.
func Read(r io.ReaderAt, size int64, lim Limits) (*Result, error) {
	lim = lim.withDefaults()
	l, err := readLayout(r, size)
	if errors.Is(err, errNotPE) {
		return nil, err
	}
	res := &Result{Meta: map[string]string{}}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	res.Meta[MetaMachine] = machineName(l.machine)
	image, err := res.readMeta(r, size, l, lim)
	if err != nil {
		errs = append(errs, err)
	}
	r = &prefixReader{prefix: image, r: r} // the digest reuses what is in memory
	if l.compileTime != 0 && res.Meta[MetaReproducible] == "" {
		res.Meta[MetaCompileTime] = unixUTC(l.compileTime)
	}
	if l.certSize > 0 || l.certOff > 0 {
		errs = append(errs, res.readSignatures(r, size, l, lim)...)
	}
	if len(lim.CatalogDigests) > 0 && len(res.Sigs) == 0 {
		if res.Image, err = imageDigests(r, size, l, lim.CatalogDigests); err != nil {
			errs = append(errs, fmt.Errorf("catalog digests: %w", err))
		}
	}
	return res, errors.Join(errs...)
}

// readMeta reads the headers and sections, parses the version resource and
// returns the bytes read.
func (res *Result) readMeta(r io.ReaderAt, size int64, l layout, lim Limits) ([]byte, error) {
	n := min(max(l.imageEnd, l.headerEnd), size)
	if n > lim.MaxImage {
		return nil, fmt.Errorf("version resource: %d bytes of headers and sections, over the %d-byte limit", n, lim.MaxImage)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("version resource: %w", err)
	}
	return b, readVersion(b, res.Meta)
}

// prefixReader serves reads inside prefix (the file's first bytes) from
// memory and the rest from r.
type prefixReader struct {
	prefix []byte
	r      io.ReaderAt
}

func (p *prefixReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= 0 && off+int64(len(b)) <= int64(len(p.prefix)) {
		return copy(b, p.prefix[off:]), nil
	}
	return p.r.ReadAt(b, off)
}

// readSignatures checks where the certificate table lies, walks it and
// recomputes the image digest for every algorithm the signatures use.
func (res *Result) readSignatures(r io.ReaderAt, size int64, l layout, lim Limits) []error {
	if l.certOff <= l.secDirOff || l.certOff+l.certSize > size || l.certSize < 8 {
		res.Anomalies = append(res.Anomalies, anomaly.At(anomaly.CertificateTableInvalid,
			fmt.Sprintf("the security directory points at %d bytes at %#x, which is not a certificate table inside this %d-byte file",
				l.certSize, l.certOff, size), l.certOff, l.certSize))
		return nil
	}
	if l.certSize > lim.MaxCertTable {
		return []error{fmt.Errorf("certificate table of %d bytes, over the %d-byte limit", l.certSize, lim.MaxCertTable)}
	}
	table := make([]byte, l.certSize)
	if _, err := r.ReadAt(table, l.certOff); err != nil {
		return []error{fmt.Errorf("certificate table: %w", err)}
	}
	t := walkCertTable(table, l.certOff, lim.Limits)
	res.Sigs, res.Anomalies = t.sigs, append(res.Anomalies, t.anomalies...)
	// A signer writes the certificate table last. Bytes after it are
	// outside anything a signature can cover (Windows and osslsigncode
	// refuse such a file), so the digest is of the file as it ends at the
	// table: the signed part is checked, the rest is an anomaly.
	signedEnd := size
	if end := l.certOff + l.certSize; end < size {
		res.Anomalies = append(res.Anomalies, anomaly.At(anomaly.DataAfterCertificateTable,
			fmt.Sprintf("%d bytes follow the certificate table (which ends at %#x), where a signer never writes: "+
				"no signature covers them, and Windows and osslsigncode refuse the file; "+
				"the image digest was checked over the bytes before them", size-end, end), end, size-end))
		signedEnd = end
	}
	digests := map[crypto.Hash][]byte{}
	for _, s := range res.Sigs {
		if s.Hash == 0 || !s.Hash.Available() {
			continue
		}
		if digests[s.Hash] == nil {
			d, err := authentihash(r, signedEnd, l, s.Hash)
			if err != nil {
				return append(t.errs, err)
			}
			digests[s.Hash] = d
		}
		s.SetComputed(digests[s.Hash])
	}
	return t.errs
}
