package cms

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Go's verifier refuses SHA-1 certificate signatures, but Windows still
// accepts them in Authenticode chains, and most code signed before 2016 (and
// its time-stamping authorities) chains through them: CCleaner 5.33 and the
// ASUS Live Update builds of ShadowHammer among them. A chain that fails in
// Go only because of such a signature is built again here with SHA-1
// accepted, checking what Go's verifier would check otherwise: validity at
// the given time, CA flags, key usage, path length, extended key usage and
// unknown critical extensions. The record says which links are SHA-1.

// maxChainDepth bounds the certificates in one path, leaf and root
// included; maxChainChecks bounds the issuer checks of one search, so
// certificates that name each other cannot make it exponential.
const (
	maxChainDepth  = 8
	maxChainChecks = 256
)

func isSHA1(a x509.SignatureAlgorithm) bool {
	return a == x509.SHA1WithRSA || a == x509.ECDSAWithSHA1 || a == x509.DSAWithSHA1
}

func anySHA1(leaf *x509.Certificate, more []*x509.Certificate) bool {
	return isSHA1(leaf.SignatureAlgorithm) || slices.ContainsFunc(more, func(c *x509.Certificate) bool {
		return isSHA1(c.SignatureAlgorithm)
	})
}

// legacyChain finds a path from leaf to a root with SHA-1 signatures
// accepted. weak names the SHA-1 links of the path found.
func (r *Roots) legacyChain(leaf *x509.Certificate, inter []*x509.Certificate, at time.Time, usage x509.ExtKeyUsage) (weak string, err error) {
	if err := usable(leaf, at, usage); err != nil {
		return "", err
	}
	b := &pathBuilder{roots: r.certs, inter: inter, at: at, usage: usage}
	path, err := b.extend([]*x509.Certificate{leaf})
	if err != nil {
		return "", fmt.Errorf("no chain to a trusted root, even with SHA-1 signatures accepted: %w", err)
	}
	var links []string
	for i := 0; i+1 < len(path); i++ {
		if isSHA1(path[i].SignatureAlgorithm) {
			links = append(links, fmt.Sprintf("%q by %q", name(path[i]), name(path[i+1])))
		}
	}
	return "with SHA-1 certificate signatures (" + strings.Join(links, ", ") +
		"), which Windows accepts for Authenticode and current verifiers refuse", nil
}

// pathBuilder searches for one path with SHA-1 signatures accepted.
type pathBuilder struct {
	roots, inter []*x509.Certificate
	at           time.Time
	usage        x509.ExtKeyUsage
	checks       int
}

// extend grows path (leaf first) until it reaches a root, trying each
// candidate issuer of its last certificate in turn.
func (b *pathBuilder) extend(path []*x509.Certificate) ([]*x509.Certificate, error) {
	cur := path[len(path)-1]
	for _, root := range b.roots {
		if bytes.Equal(root.Raw, cur.Raw) {
			return path, nil
		}
	}
	if len(path) >= maxChainDepth {
		return nil, fmt.Errorf("no root within %d certificates", maxChainDepth)
	}
	var last error
	for _, root := range b.roots {
		if !bytes.Equal(cur.RawIssuer, root.RawSubject) {
			continue
		}
		if err := b.issuedBy(cur, root, len(path)-1); err != nil {
			last = errors.Join(last, err)
			continue
		}
		return append(path, root), nil
	}
	for _, p := range b.inter {
		if !bytes.Equal(cur.RawIssuer, p.RawSubject) ||
			slices.ContainsFunc(path, func(c *x509.Certificate) bool { return bytes.Equal(c.Raw, p.Raw) }) {
			continue
		}
		if err := b.issuedBy(cur, p, len(path)-1); err != nil {
			last = errors.Join(last, err)
			continue
		}
		if full, err := b.extend(append(path, p)); err == nil {
			return full, nil
		} else {
			last = err
		}
	}
	if last == nil {
		last = fmt.Errorf("no issuer of %q among the embedded and trusted certificates", name(cur))
	}
	return nil, last
}

// issuedBy checks that ca, whose subject is c's issuer, may have issued c
// (below CA certificates sit under ca, the leaf not counted) and did sign it.
func (b *pathBuilder) issuedBy(c, ca *x509.Certificate, below int) error {
	if b.checks++; b.checks > maxChainChecks {
		return fmt.Errorf("gave up after %d candidate issuers", maxChainChecks)
	}
	switch {
	case len(c.AuthorityKeyId) > 0 && len(ca.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, ca.SubjectKeyId):
		return fmt.Errorf("%q: key identifier differs from %q's authority key identifier", name(ca), name(c))
	case !ca.BasicConstraintsValid || !ca.IsCA:
		return fmt.Errorf("%q is not a CA certificate", name(ca))
	case ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCertSign == 0:
		return fmt.Errorf("%q may not sign certificates (key usage)", name(ca))
	case ca.MaxPathLen >= 0 && (ca.MaxPathLen > 0 || ca.MaxPathLenZero) && below > ca.MaxPathLen:
		return fmt.Errorf("%q allows %d CA certificates below it, the chain has %d", name(ca), ca.MaxPathLen, below)
	}
	if err := usable(ca, b.at, b.usage); err != nil {
		return err
	}
	// CheckSignature, unlike CheckSignatureFrom, accepts SHA-1.
	if err := ca.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		return fmt.Errorf("signature of %q by %q: %w", name(c), name(ca), err)
	}
	return nil
}

// usable checks what every certificate of a path must satisfy: validity at
// at, no unknown critical extension, and extended key usage that allows
// usage (none listed allows any).
func usable(c *x509.Certificate, at time.Time, usage x509.ExtKeyUsage) error {
	switch {
	case at.Before(c.NotBefore):
		return fmt.Errorf("%q is not valid before %s (checked at %s)", name(c), c.NotBefore.Format(time.RFC3339), at.Format(time.RFC3339))
	case at.After(c.NotAfter):
		return fmt.Errorf("%q expired %s (checked at %s)", name(c), c.NotAfter.Format(time.RFC3339), at.Format(time.RFC3339))
	case len(c.UnhandledCriticalExtensions) > 0:
		return fmt.Errorf("%q has an unhandled critical extension %v", name(c), c.UnhandledCriticalExtensions[0])
	case len(c.ExtKeyUsage)+len(c.UnknownExtKeyUsage) > 0 &&
		!slices.Contains(c.ExtKeyUsage, usage) && !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny):
		return fmt.Errorf("%q is not valid for this usage (extended key usage)", name(c))
	}
	return nil
}

func name(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}
