package cms

import (
	"crypto/x509"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Signer is what checking a signature's chain needs: the signer's
// certificate, the certificates that came with it, and its countersignature.
type Signer struct {
	Cert  *x509.Certificate
	Certs []*x509.Certificate
	Stamp *Stamp
}

// CheckChain verifies the signer's chain for code signing against r at the
// verified timestamp time, or at now without one, and the timestamp
// authority's chain at its stamped time, recording both in sig.
func (s *Signer) CheckChain(sig *snapshot.Signature, r *Roots, now time.Time) {
	at := now
	if s.Stamp != nil {
		s.Stamp.CheckChain(r)
		sig.Timestamp = &s.Stamp.TS
		if v := s.Stamp.TS.Verified; v != nil && *v {
			at = s.Stamp.TS.Time
		}
	}
	switch {
	case s.Cert != nil:
		sig.ChainVerified, sig.ChainError, sig.ChainWeak = r.Verify(s.Cert, s.Certs, at, x509.ExtKeyUsageCodeSigning)
	case r.Len() == 0:
		sig.ChainError = NoRoots
	default:
		f := false
		sig.ChainVerified, sig.ChainError = &f, "signer certificate not found"
	}
}
