package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	_ "crypto/md5" // MD5 signatures still occur in old Authenticode
	"crypto/rsa"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// digestAlgorithms maps digest OIDs to hashes.
var digestAlgorithms = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, crypto.MD5},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
}

// HashOf returns the hash a digest algorithm OID names.
func HashOf(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, d := range digestAlgorithms {
		if d.oid.Equal(oid) {
			return d.hash, nil
		}
	}
	return 0, fmt.Errorf("unsupported hash algorithm %s", oid)
}

// signatureAlgorithms maps signature OIDs to a key type and, for the
// combined ones, the hash they imply (0: the digest algorithm decides).
var signatureAlgorithms = []struct {
	oid  asn1.ObjectIdentifier
	key  x509.PublicKeyAlgorithm
	hash crypto.Hash
	pss  bool
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, x509.RSA, 0, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}, x509.RSA, 0, true},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, x509.ECDSA, 0, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}, x509.RSA, crypto.MD5, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, x509.RSA, crypto.SHA1, false},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 29}, x509.RSA, crypto.SHA1, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, x509.RSA, crypto.SHA224, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, x509.RSA, crypto.SHA256, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, x509.RSA, crypto.SHA384, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, x509.RSA, crypto.SHA512, false},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, x509.ECDSA, crypto.SHA1, false},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, x509.ECDSA, crypto.SHA256, false},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, x509.ECDSA, crypto.SHA384, false},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, x509.ECDSA, crypto.SHA512, false},
}

// ErrCertificateMissing is returned when a signer's certificate is not
// among those at hand.
var ErrCertificateMissing = errors.New("certificate missing from signedData")

// FindCertificate returns the certificate among certs that si names.
func (si *SignerInfo) FindCertificate(certs []*x509.Certificate) (*x509.Certificate, error) {
	for _, c := range certs {
		switch {
		case si.Serial != nil:
			if bytes.Equal(c.RawIssuer, si.Issuer) && c.SerialNumber != nil && c.SerialNumber.Cmp(si.Serial) == 0 {
				return c, nil
			}
		case si.SubjectKeyID != nil:
			if bytes.Equal(c.SubjectKeyId, si.SubjectKeyID) {
				return c, nil
			}
		}
	}
	if si.Serial != nil {
		return nil, fmt.Errorf("%w: serial=%x issuer: %s", ErrCertificateMissing, si.Serial, rdnString(si.Issuer))
	}
	return nil, fmt.Errorf("%w: subject key identifier %x", ErrCertificateMissing, si.SubjectKeyID)
}

// SignedAttrsDER is the DER the signature over the signed attributes
// covers: their [0] IMPLICIT encoding retagged as a SET, as received.
func (si *SignerInfo) SignedAttrsDER() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(si.RawSignedAttrs) })
	return b.BytesOrPanic()
}

// Verify checks si over content: with signed attributes, that the
// messageDigest attribute is the digest of content and that the signature
// covers the attributes; without, that it covers content. It returns the
// signer's certificate found among certs. Certificate validity and chains
// are not checked here.
func (si *SignerInfo) Verify(content []byte, certs []*x509.Certificate) (*x509.Certificate, error) {
	hash, err := HashOf(si.DigestAlgorithm.OID)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	h := hash.New()
	h.Write(content)
	digest := h.Sum(nil)
	if si.RawSignedAttrs != nil {
		if si.SignedAttrsErr != nil {
			return nil, fmt.Errorf("signed attributes: %w", si.SignedAttrsErr)
		}
		md, err := si.SignedAttrs.One(OIDMessageDigest)
		if err != nil {
			return nil, err
		}
		var got cryptobyte.String
		s := cryptobyte.String(md)
		if !s.ReadASN1(&got, cbasn1.OCTET_STRING) || !s.Empty() {
			return nil, malformed("messageDigest attribute")
		}
		if subtle.ConstantTimeCompare(got, digest) != 1 {
			return nil, errors.New("cms: content digest does not match")
		}
		h = hash.New()
		h.Write(si.SignedAttrsDER())
		digest = h.Sum(nil)
	}
	cert, err := si.FindCertificate(certs)
	if err != nil {
		return nil, err
	}
	return cert, si.checkSignature(cert.PublicKey, hash, digest)
}

func (si *SignerInfo) checkSignature(pub crypto.PublicKey, hash crypto.Hash, digest []byte) error {
	var key x509.PublicKeyAlgorithm
	var pss bool
	for _, a := range signatureAlgorithms {
		if a.oid.Equal(si.SignatureAlgorithm.OID) {
			if a.hash != 0 && a.hash != hash {
				return errors.New("signature type does not match digest type")
			}
			key, pss = a.key, a.pss
		}
	}
	switch key {
	case x509.RSA:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errors.New("incorrect key type for signature")
		}
		if pss {
			return rsa.VerifyPSS(k, hash, digest, si.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: hash})
		}
		err := rsa.VerifyPKCS1v15(k, hash, digest, si.Signature)
		if errors.Is(err, rsa.ErrVerification) {
			// Some old time-stamping services sign the bare digest,
			// without its DigestInfo.
			if rsa.VerifyPKCS1v15(k, 0, digest, si.Signature) == nil {
				return nil
			}
		}
		return err
	case x509.ECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return errors.New("incorrect key type for signature")
		}
		if !ecdsa.VerifyASN1(k, digest, si.Signature) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	}
	return fmt.Errorf("unsupported signature algorithm %s", si.SignatureAlgorithm.OID)
}

// SigningTime reads the signingTime signed attribute.
func (si *SignerInfo) SigningTime() (time.Time, error) {
	v, err := si.SignedAttrs.One(OIDSigningTime)
	if err != nil {
		return time.Time{}, err
	}
	return ParseTime(v)
}

// ParseTime reads a DER UTCTime or GeneralizedTime element. Fractional
// seconds, which real time-stamping authorities write, are accepted.
func ParseTime(der []byte) (time.Time, error) {
	s := cryptobyte.String(der)
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) || !s.Empty() {
		return time.Time{}, malformed("time")
	}
	switch tag {
	case cbasn1.GeneralizedTime:
		return time.Parse("20060102150405Z0700", string(body))
	case cbasn1.UTCTime:
		t, err := time.Parse("0601021504Z0700", string(body))
		if err != nil {
			t, err = time.Parse("060102150405Z0700", string(body))
		}
		return t, err
	}
	return time.Time{}, fmt.Errorf("unknown tag %d in time field", tag)
}
