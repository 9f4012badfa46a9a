package cms

import (
	"crypto/x509"
	"time"
)

// NoRoots is the ChainError recorded when no trusted roots are configured:
// the chain was not checked, which is not the same as failing.
const NoRoots = "not verified: no trusted roots configured"

// Roots is the trust anchor set chains are checked against. An empty set
// means chains are not verified.
type Roots struct {
	pool  *x509.CertPool
	certs []*x509.Certificate
}

// NewRoots wraps certs as a trust anchor set.
func NewRoots(certs []*x509.Certificate) *Roots {
	r := &Roots{pool: x509.NewCertPool(), certs: certs}
	for _, c := range certs {
		r.pool.AddCert(c)
	}
	return r
}

// Len is the number of trust anchors.
func (r *Roots) Len() int {
	if r == nil {
		return 0
	}
	return len(r.certs)
}

// Verify checks that leaf chains to a root through intermediates at time at
// for usage. It returns nil and NoRoots when there are no roots. weak is
// set when the chain holds only because SHA-1 certificate signatures were
// accepted (see legacyChain); it names them.
func (r *Roots) Verify(leaf *x509.Certificate, intermediates []*x509.Certificate, at time.Time, usage x509.ExtKeyUsage) (ok *bool, msg, weak string) {
	if r.Len() == 0 {
		return nil, NoRoots, ""
	}
	intermediates = capCerts(intermediates)
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         r.pool,
		Intermediates: pool,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	yes, no := true, false
	switch {
	case err == nil:
		return &yes, "", ""
	case !anySHA1(leaf, intermediates):
		return &no, err.Error(), ""
	}
	weak, lerr := r.legacyChain(leaf, intermediates, at, usage)
	if lerr != nil {
		return &no, lerr.Error(), ""
	}
	return &yes, "", weak
}
