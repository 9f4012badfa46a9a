package cms

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Countersignature attribute types.
var (
	OIDTimeStampToken    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14} // RFC 3161
	OIDSpcTimeStampToken = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 3, 3, 1}     // RFC 3161, Authenticode
	OIDCounterSignature  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}         // legacy
)

// Timestamp kinds.
const (
	KindRFC3161 = "rfc3161"
	KindLegacy  = "legacy"
)

// Stamp is a countersignature read from a signer's unsigned attributes.
type Stamp struct {
	TS            snapshot.Timestamp
	Cert          *x509.Certificate
	Intermediates []*x509.Certificate
}

// ReadStamp finds the countersignature among attrs, reads its time and
// authority, and verifies it over stamped (the signer's encrypted digest)
// with the certificates at hand. It returns nil, nil when there is none; a
// countersignature whose time cannot be read is an error.
func ReadStamp(attrs Attributes, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
	for _, oid := range []asn1.ObjectIdentifier{OIDTimeStampToken, OIDSpcTimeStampToken} {
		if attrs.Exists(oid) {
			return rfc3161(attrs, oid, stamped, certs)
		}
	}
	if attrs.Exists(OIDCounterSignature) {
		return legacy(attrs, stamped, certs)
	}
	return nil, nil
}

// TSTInfo is the part of an RFC 3161 TSTInfo cascade reads.
type TSTInfo struct {
	Policy        asn1.ObjectIdentifier
	HashAlgorithm asn1.ObjectIdentifier
	HashedMessage []byte
	Serial        *big.Int
	GenTime       time.Time
}

// ParseTSTInfo reads a DER TSTInfo (RFC 3161 §2.4.2) up to its genTime;
// the optional fields after it are not needed.
func ParseTSTInfo(der []byte) (*TSTInfo, error) {
	in := cryptobyte.String(der)
	var seq, imprint, gen cryptobyte.String
	var version int64
	info := &TSTInfo{Serial: new(big.Int)}
	var alg AlgorithmIdentifier
	var err error
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() || !seq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!seq.ReadASN1ObjectIdentifier(&info.Policy) || !seq.ReadASN1(&imprint, cbasn1.SEQUENCE) {
		return nil, malformed("TSTInfo")
	}
	if alg, err = readAlgorithm(&imprint); err != nil {
		return nil, err
	}
	info.HashAlgorithm = alg.OID
	var hashed cryptobyte.String
	if !imprint.ReadASN1(&hashed, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, malformed("TSTInfo message imprint")
	}
	info.HashedMessage = hashed
	var tag cbasn1.Tag
	if !seq.ReadASN1Integer(info.Serial) || !seq.ReadAnyASN1Element(&gen, &tag) {
		return nil, malformed("TSTInfo serial number or genTime")
	}
	if info.GenTime, err = ParseTime(gen); err != nil {
		return nil, fmt.Errorf("genTime: %w", err)
	}
	return info, nil
}

func rfc3161(attrs Attributes, oid asn1.ObjectIdentifier, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
	v, err := attrs.One(oid)
	var tst *SignedData
	if err == nil {
		tst, err = ParseSignedData(v)
	}
	if err != nil {
		return nil, fmt.Errorf("RFC 3161 timestamp token: %w", err)
	}
	info, err := ParseTSTInfo(tst.ContentBytes())
	if err != nil {
		return nil, fmt.Errorf("RFC 3161 TSTInfo: %w", err)
	}
	s := &Stamp{TS: snapshot.Timestamp{Time: info.GenTime.UTC(), Kind: KindRFC3161}}
	tokenCerts, _, _ := ParseCertificates(tst.Certificates)
	all := capCerts(append(tokenCerts, certs...))
	cert, err := verifyToken(tst, info, stamped, all)
	if err == nil {
		s.Cert, s.Intermediates = cert, all
	} else if len(tst.Signers) > 0 {
		s.Cert, _ = tst.Signers[0].FindCertificate(all)
		s.Intermediates = all
	}
	s.finish(err)
	return s, nil
}

// verifyToken checks that the token's imprint is the digest of stamped and
// that its one signer signed the TSTInfo.
func verifyToken(tst *SignedData, info *TSTInfo, stamped []byte, certs []*x509.Certificate) (*x509.Certificate, error) {
	if len(tst.Signers) != 1 {
		return nil, errors.New("timestamp should have exactly one SignerInfo")
	}
	hash, err := HashOf(info.HashAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("verifying timestamp imprint: %w", err)
	}
	h := hash.New()
	h.Write(stamped)
	if subtle.ConstantTimeCompare(h.Sum(nil), info.HashedMessage) != 1 {
		return nil, errors.New("verifying timestamp imprint: digest check failed")
	}
	return tst.Signers[0].Verify(tst.ContentBytes(), certs)
}

func legacy(attrs Attributes, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
	v, err := attrs.One(OIDCounterSignature)
	var tsi *SignerInfo
	if err == nil {
		tsi, err = ParseSignerInfo(v)
	}
	if err != nil {
		return nil, fmt.Errorf("legacy countersignature: %w", err)
	}
	t, err := tsi.SigningTime()
	if err != nil {
		return nil, fmt.Errorf("legacy countersignature time: %w", err)
	}
	s := &Stamp{TS: snapshot.Timestamp{Time: t.UTC(), Kind: KindLegacy}, Intermediates: capCerts(certs)}
	cert, err := tsi.Verify(stamped, s.Intermediates)
	if cert == nil {
		cert, _ = tsi.FindCertificate(s.Intermediates)
	}
	s.Cert = cert
	s.finish(err)
	return s, nil
}

func (s *Stamp) finish(verifyErr error) {
	ok := verifyErr == nil
	s.TS.Verified = &ok
	if verifyErr != nil {
		s.TS.Error = verifyErr.Error()
	}
	if s.Cert != nil {
		d := Describe(s.Cert)
		s.TS.Signer = &d
		s.TS.Authority = d.Subject
	} else if s.TS.Error == "" {
		s.TS.Error = errors.New("timestamp signer certificate not found").Error()
	}
}

// CheckChain verifies the authority's chain at the stamped time.
func (s *Stamp) CheckChain(r *Roots) {
	if s.Cert == nil {
		if r.Len() == 0 {
			s.TS.ChainError = NoRoots
			return
		}
		f := false
		s.TS.ChainVerified, s.TS.ChainError = &f, "timestamp signer certificate not found"
		return
	}
	s.TS.ChainVerified, s.TS.ChainError, s.TS.ChainWeak = r.Verify(s.Cert, s.Intermediates, s.TS.Time, x509.ExtKeyUsageTimeStamping)
}

func capCerts(c []*x509.Certificate) []*x509.Certificate {
	if len(c) > MaxCerts {
		return c[:MaxCerts]
	}
	return c
}
