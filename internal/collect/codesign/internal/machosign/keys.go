package machosign

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// LoadSigner reads a PEM certificate, its key and optional chain.
func LoadSigner(certF, keyF, chainF string) (*x509.Certificate, crypto.PrivateKey, []*x509.Certificate, error) {
	certs, err := readCerts(certF)
	if err != nil || len(certs) == 0 {
		return nil, nil, nil, fmt.Errorf("certificate %s: %v", certF, err)
	}
	kb, err := os.ReadFile(keyF)
	if err != nil {
		return nil, nil, nil, err
	}
	blk, _ := pem.Decode(kb)
	if blk == nil {
		return nil, nil, nil, fmt.Errorf("%s: no PEM block", keyF)
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", keyF, err)
		}
	}
	var chain []*x509.Certificate
	if chainF != "" {
		if chain, err = readCerts(chainF); err != nil {
			return nil, nil, nil, err
		}
	}
	return certs[0], key, chain, nil
}

func readCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
}
