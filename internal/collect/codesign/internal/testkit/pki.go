package testkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// Cert is a certificate with its key.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CA makes a self-signed root valid 2010–2050.
func CA(t testing.TB, cn string) Cert {
	t.Helper()
	return issue(t, nil, pkix.Name{CommonName: cn, Organization: []string{"Cascade Test"}},
		time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), 1, nil, 0)
}

// Intermediate issues a CA certificate valid 2010–2050 from parent, signed
// with alg (0 for the default, x509.ECDSAWithSHA1 for a legacy chain).
func Intermediate(t testing.TB, parent Cert, cn string, alg x509.SignatureAlgorithm) Cert {
	t.Helper()
	c := issue(t, &parent, pkix.Name{CommonName: cn, Organization: []string{"Cascade Test"}},
		time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), 2, nil, alg)
	return c
}

// LeafAlg is Leaf signed with alg.
func LeafAlg(t testing.TB, ca Cert, subject pkix.Name, notBefore, notAfter time.Time, serial int64, alg x509.SignatureAlgorithm, usage ...x509.ExtKeyUsage) Cert {
	t.Helper()
	if usage == nil {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	return issue(t, &ca, subject, notBefore, notAfter, serial, usage, alg)
}

// Leaf issues a code-signing (or, with usage, other) certificate from ca.
func Leaf(t testing.TB, ca Cert, subject pkix.Name, notBefore, notAfter time.Time, serial int64, usage ...x509.ExtKeyUsage) Cert {
	t.Helper()
	if usage == nil {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	return issue(t, &ca, subject, notBefore, notAfter, serial, usage, 0)
}

// issue makes a certificate: a self-signed CA without parent, a CA when
// usage is nil, else an end-entity certificate for usage.
func issue(t testing.TB, parent *Cert, subject pkix.Name, nb, na time.Time, serial int64, usage []x509.ExtKeyUsage, alg x509.SignatureAlgorithm) Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: subject, NotBefore: nb, NotAfter: na,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage, BasicConstraintsValid: true,
		SignatureAlgorithm: alg,
	}
	signer, signerCert := crypto.Signer(key), tmpl
	if parent == nil || usage == nil {
		tmpl.IsCA = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	if parent != nil {
		signer, signerCert = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Cert{Cert: c, Key: key}
}
