// Package cms holds what Authenticode, catalogs and Apple code signatures
// share: the one CMS SignedData reader (cryptobyte, DER and
// indefinite-length BER), signer verification, describing certificates as
// snapshot records, checking a chain against configured roots at a given
// time, reading RFC 3161 and legacy countersignatures, and measuring BER
// objects to find bytes appended after a signature blob.
package cms

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// MaxCerts caps the certificates read from one signature.
const MaxCerts = 64

// Describe turns a certificate into its snapshot record.
func Describe(c *x509.Certificate) snapshot.Certificate {
	s1 := sha1.Sum(c.Raw)
	s256 := sha256.Sum256(c.Raw)
	out := snapshot.Certificate{
		Subject:    c.Subject.String(),
		CommonName: c.Subject.CommonName,
		Issuer:     c.Issuer.String(),
		SHA1:       hex.EncodeToString(s1[:]),
		SHA256:     hex.EncodeToString(s256[:]),
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
	}
	if c.SerialNumber != nil {
		out.Serial = c.SerialNumber.Text(16)
	}
	if len(c.Subject.Organization) > 0 {
		out.Organization = c.Subject.Organization[0]
	}
	return out
}

// DescribeChain describes certs, leaf first.
func DescribeChain(certs []*x509.Certificate) []snapshot.Certificate {
	out := make([]snapshot.Certificate, 0, len(certs))
	for _, c := range certs {
		out = append(out, Describe(c))
	}
	return out
}

// OrderChain returns the embedded certificates starting with leaf and
// following issuers, then any others in their original order.
func OrderChain(leaf *x509.Certificate, certs []*x509.Certificate) []*x509.Certificate {
	if leaf == nil {
		return certs
	}
	out := []*x509.Certificate{leaf}
	used := map[*x509.Certificate]bool{}
	for cur := leaf; len(out) <= MaxCerts; {
		next := issuerOf(cur, certs, used, leaf)
		if next == nil {
			break
		}
		used[next] = true
		out = append(out, next)
		cur = next
	}
	for _, c := range certs {
		if c != leaf && !used[c] && !c.Equal(leaf) {
			out = append(out, c)
		}
	}
	return out
}

func issuerOf(c *x509.Certificate, certs []*x509.Certificate, used map[*x509.Certificate]bool, leaf *x509.Certificate) *x509.Certificate {
	if bytes.Equal(c.RawIssuer, c.RawSubject) {
		return nil // self-signed: the chain ends here
	}
	for _, cand := range certs {
		if !used[cand] && cand != leaf && !cand.Equal(leaf) && bytes.Equal(cand.RawSubject, c.RawIssuer) {
			return cand
		}
	}
	return nil
}
