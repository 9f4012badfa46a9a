// Package peinfo reads a PE image's code-signing record: every Authenticode
// signature in its certificate table (nested ones included) with the image
// digest recomputed, the structural anomalies of the certificate table, the
// COFF compile time and the version resource strings.
package peinfo

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Result is what Read found. Signatures still need CheckChain.
type Result struct {
	Sigs      []*authenticode.Parsed
	Anomalies []snapshot.Anomaly
	Meta      map[string]string
}

// Read parses the PE image b. It returns what it could read together with
// an error describing what it could not; errNotPE-style errors mean b is
// not a PE image at all.
func Read(b []byte, lim authenticode.Limits) (*Result, error) {
	l, err := readLayout(b)
	if errors.Is(err, errNotPE) {
		return nil, err
	}
	res := &Result{Meta: map[string]string{}}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	res.Meta[MetaMachine] = machineName(l.machine)
	if err := readVersion(b, res.Meta); err != nil {
		errs = append(errs, err)
	}
	if l.compileTime != 0 && res.Meta[MetaReproducible] == "" {
		res.Meta[MetaCompileTime] = unixUTC(l.compileTime)
	}
	if l.certSize > 0 || l.certOff > 0 {
		errs = append(errs, res.readSignatures(b, l, lim)...)
	}
	return res, errors.Join(errs...)
}

// readSignatures checks where the certificate table lies, walks it and
// recomputes the image digest for every algorithm the signatures use.
func (res *Result) readSignatures(b []byte, l layout, lim authenticode.Limits) []error {
	size := int64(len(b))
	if l.certOff <= l.secDirOff || l.certOff+l.certSize > size || l.certSize < 8 {
		res.Anomalies = append(res.Anomalies, anomaly.At(anomaly.CertificateTableInvalid,
			fmt.Sprintf("the security directory points at %d bytes at %#x, which is not a certificate table inside this %d-byte file",
				l.certSize, l.certOff, size), l.certOff, l.certSize))
		return nil
	}
	t := walkCertTable(b, l.certOff, l.certSize, lim)
	res.Sigs, res.Anomalies = t.sigs, append(res.Anomalies, t.anomalies...)
	if end := l.certOff + l.certSize; end < size {
		res.Anomalies = append(res.Anomalies, anomaly.At(anomaly.DataAfterCertificateTable,
			fmt.Sprintf("%d bytes follow the certificate table, which signers always write last; "+
				"they were added after signing", size-end), end, size-end))
	}
	digests := map[crypto.Hash][]byte{}
	for _, s := range res.Sigs {
		if s.Hash == 0 || !s.Hash.Available() {
			continue
		}
		if digests[s.Hash] == nil {
			digests[s.Hash] = authentihash(b, l, s.Hash)
		}
		s.SetComputed(digests[s.Hash])
	}
	return t.errs
}
