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
	pool *x509.CertPool
	n    int
}

// NewRoots wraps certs as a trust anchor set.
func NewRoots(certs []*x509.Certificate) *Roots {
	r := &Roots{pool: x509.NewCertPool(), n: len(certs)}
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
	return r.n
}

// Verify checks that leaf chains to a root through intermediates at time at
// for usage. It returns nil and NoRoots when there are no roots.
func (r *Roots) Verify(leaf *x509.Certificate, intermediates []*x509.Certificate, at time.Time, usage x509.ExtKeyUsage) (*bool, string) {
	if r.Len() == 0 {
		return nil, NoRoots
	}
	pool := x509.NewCertPool()
	for i, c := range intermediates {
		if i >= MaxCerts {
			break
		}
		pool.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         r.pool,
		Intermediates: pool,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	})
	ok := err == nil
	if err != nil {
		return &ok, err.Error()
	}
	return &ok, ""
}
