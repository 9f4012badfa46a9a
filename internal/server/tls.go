package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles names the server's certificate and key.
type TLSFiles struct {
	Cert, Key string
	// Created is true when a self-signed pair was generated now.
	Created bool
	// Fingerprint is the SHA-256 of the certificate (DER), for pinning.
	Fingerprint string
}

// selfSignedLife is how long a generated certificate is valid: the
// 397 days browsers accept for a server certificate. A leaf that is its
// own issuer is pinned by fingerprint or trusted as itself; it must not
// be able to sign anything else, so it is no CA.
const selfSignedLife = 397 * 24 * time.Hour

// SelfSigned returns the certificate in dir, generating a self-signed leaf
// (ECDSA P-256, 397 days, for the given names plus localhost and the host
// name) at first start. The key is written 0600.
func SelfSigned(dir string, names []string) (TLSFiles, error) {
	f := TLSFiles{Cert: filepath.Join(dir, "tls-cert.pem"), Key: filepath.Join(dir, "tls-key.pem")}
	if _, err := os.Stat(f.Cert); err == nil {
		fp, err := Fingerprint(f.Cert)
		f.Fingerprint = fp
		return f, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "cascade serve", Organization: []string{"cascade"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(selfSignedLife - time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: false, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	if h, err := os.Hostname(); err == nil && h != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if n != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return f, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return f, err
	}
	if err := os.WriteFile(f.Key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return f, err
	}
	if err := os.WriteFile(f.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return f, err
	}
	sum := sha256.Sum256(der)
	f.Created, f.Fingerprint = true, hex.EncodeToString(sum[:])
	return f, nil
}

// Fingerprint is the SHA-256 of the first certificate in a PEM file.
func Fingerprint(certFile string) (string, error) {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return "", err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return "", fmt.Errorf("%s: no PEM certificate", certFile)
	}
	sum := sha256.Sum256(blk.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

// tls12Suites are the TLS 1.2 suites offered: forward-secret key
// exchange and AEAD ciphers only (no CBC, no RSA key exchange). TLS 1.3
// suites are not configurable and are all AEAD.
var tls12Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// ServerTLS is the TLS configuration for a certificate and key: TLS 1.2
// with ECDHE and AEAD suites only, or TLS 1.3.
func ServerTLS(f TLSFiles) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: tls12Suites}, nil
}
