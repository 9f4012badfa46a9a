package input

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"strconv"
)

// pae is DSSE's pre-authentication encoding: what an envelope's signatures
// sign.
func pae(typ string, body []byte) []byte {
	out := []byte("DSSEv1 " + strconv.Itoa(len(typ)) + " " + typ + " " + strconv.Itoa(len(body)) + " ")
	return append(out, body...)
}

// verify checks the envelope's signatures against p.Key: unverified is
// false when one verifies; note says what happened.
func (p Provenance) verify(env *envelope, body []byte) (unverified bool, note string) {
	if p.Key == nil {
		return true, "signature not checked (no key given)"
	}
	if len(env.Signatures) == 0 {
		return true, "envelope has no signature"
	}
	msg := pae(env.PayloadType, body)
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err == nil && verifySig(p.Key, msg, sig) {
			return false, "signature verified with " + p.KeyName
		}
	}
	return true, "signature does not verify with " + p.KeyName
}

func verifySig(key crypto.PublicKey, msg, sig []byte) bool {
	switch k := key.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize > 256 {
			h := sha512.Sum384(msg)
			return ecdsa.VerifyASN1(k, h[:], sig)
		}
		h := sha256.Sum256(msg)
		return ecdsa.VerifyASN1(k, h[:], sig)
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil || rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, nil) == nil
	}
	return false
}

// LoadPublicKey reads a PEM public key (PKIX: ECDSA, Ed25519 or RSA), or
// the key of a PEM certificate.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(path, data)
}

// ParsePublicKey reads a PEM public key or certificate from data, named
// name in errors.
func ParsePublicKey(name string, data []byte) (crypto.PublicKey, error) {
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", name)
	}
	switch blk.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return c.PublicKey, nil
	}
	return nil, fmt.Errorf("%s: PEM block %q, want PUBLIC KEY or CERTIFICATE", name, blk.Type)
}
