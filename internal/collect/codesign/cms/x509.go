package cms

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// certShape is the outline of an X.509 certificate: enough to find the
// serial number and the key's algorithm parameters without trusting the
// rest. Fields after the subject public key are not decoded.
type certShape struct {
	TBS struct {
		Raw      asn1.RawContent
		Version  asn1.RawValue `asn1:"optional,explicit,tag:0"`
		Serial   asn1.RawValue
		SigAlg   asn1.RawValue
		Issuer   asn1.RawValue
		Validity asn1.RawValue
		Subject  asn1.RawValue
		Key      struct {
			Algorithm struct {
				OID    asn1.ObjectIdentifier
				Params asn1.RawValue `asn1:"optional"`
			}
			PublicKey asn1.BitString
		}
	}
}

// oidECPublicKey is id-ecPublicKey (RFC 5480).
var oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// ErrExplicitCurve is returned for a certificate whose EC key carries
// explicit curve parameters instead of a named curve.
var ErrExplicitCurve = errors.New("EC public key with explicit curve parameters instead of a named curve " +
	"(the CVE-2020-0601 CurveBall layout, which let a forged CA impersonate a trusted one)")

// ParseCertificate parses one DER certificate as Windows reads it. Go's
// x509 refuses a negative serial number, which real signing certificates
// have (RFC 5280 forbids it, Windows and OpenSSL accept it); such a
// certificate is parsed here with its original bytes, signature and
// negative serial intact, without relaxing x509 for the whole process. A
// certificate with explicit EC curve parameters is refused with
// ErrExplicitCurve, as a finding rather than a parse failure.
func ParseCertificate(der []byte) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err == nil {
		return c, nil
	}
	if ExplicitCurve(der) {
		return nil, ErrExplicitCurve
	}
	if !negativeSerial(der) {
		return nil, err // not what the fallback is for: keep x509's reason
	}
	return parseNegativeSerial(der)
}

// negativeSerial reports whether der's serial number is a negative INTEGER.
func negativeSerial(der []byte) bool {
	var s certShape
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return false
	}
	v := s.TBS.Serial
	return v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && len(v.Bytes) > 0 && v.Bytes[0]&0x80 != 0
}

// parseNegativeSerial parses a copy of der whose serial's sign bit is
// cleared (same length, so every other offset stays put), then points the
// certificate's raw fields back at der and restores the serial.
func parseNegativeSerial(der []byte) (*x509.Certificate, error) {
	mod := bytes.Clone(der)
	var s certShape
	if rest, err := asn1.Unmarshal(mod, &s); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("certificate with a negative serial number: malformed DER: %v", err)
	}
	serial := s.TBS.Serial.Bytes
	if s.TBS.Serial.Class != asn1.ClassUniversal || s.TBS.Serial.Tag != asn1.TagInteger ||
		len(serial) == 0 || serial[0]&0x80 == 0 {
		return nil, errors.New("certificate with a negative serial number: serial not found where expected")
	}
	at := func(b []byte) int { return cap(mod) - cap(b) } // offset of a subslice of mod
	serialOff := at(serial)
	mod[serialOff] &= 0x7f
	if mod[serialOff] == 0 {
		mod[serialOff] = 1 // keep the INTEGER minimally encoded
	}
	c, err := x509.ParseCertificate(mod)
	if err != nil {
		return nil, err
	}
	orig := func(b []byte) []byte { return der[at(b) : at(b)+len(b)] }
	c.Raw = der
	c.RawTBSCertificate = orig(s.TBS.Raw)
	c.RawIssuer = orig(s.TBS.Issuer.FullBytes)
	c.RawSubject = orig(s.TBS.Subject.FullBytes)
	c.SerialNumber = twosComplement(der[serialOff : serialOff+len(serial)])
	return c, nil
}

// twosComplement is the signed big-endian integer b.
func twosComplement(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// ExplicitCurve reports whether der is a certificate whose public key is
// an EC key with explicit curve parameters (an ECParameters SEQUENCE where
// RFC 5480 requires a named-curve OID).
func ExplicitCurve(der []byte) bool {
	var s certShape
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return false
	}
	a := s.TBS.Key.Algorithm
	return a.OID.Equal(oidECPublicKey) && a.Params.Class == asn1.ClassUniversal && a.Params.Tag == asn1.TagSequence
}

// ParseCertificates parses a SignedData's certificates with
// ParseCertificate. It returns those it could read; explicit holds the
// DER of the ones refused with ErrExplicitCurve, and err describes the
// others.
func ParseCertificates(raws [][]byte) (certs []*x509.Certificate, explicit [][]byte, err error) {
	var errs []error
	for i, r := range raws {
		c, e := ParseCertificate(r)
		switch {
		case errors.Is(e, ErrExplicitCurve):
			explicit = append(explicit, r)
		case e != nil:
			errs = append(errs, fmt.Errorf("certificate %d: %w", i+1, e))
		default:
			certs = append(certs, c)
		}
	}
	return certs, explicit, errors.Join(errs...)
}

// Outline names a certificate that x509 may not parse, for messages:
// subject, issuer and SHA-256 of its DER.
func Outline(der []byte) string {
	sum := sha256.Sum256(der)
	var s certShape
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return "(malformed) sha256 " + hex.EncodeToString(sum[:])
	}
	return fmt.Sprintf("%q issued by %q (sha256 %s)", rdnString(s.TBS.Subject.FullBytes), rdnString(s.TBS.Issuer.FullBytes),
		hex.EncodeToString(sum[:]))
}

func rdnString(der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		return "?"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}
