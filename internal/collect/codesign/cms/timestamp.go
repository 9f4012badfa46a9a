package cms

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/sassoftware/relic/v8/lib/pkcs7"
	"github.com/sassoftware/relic/v8/lib/pkcs9"

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
func ReadStamp(attrs pkcs7.AttributeList, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
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

func rfc3161(attrs pkcs7.AttributeList, oid asn1.ObjectIdentifier, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
	var tst pkcs7.ContentInfoSignedData
	if err := attrs.GetOne(oid, &tst); err != nil {
		return nil, fmt.Errorf("RFC 3161 timestamp token: %w", err)
	}
	var info pkcs9.TSTInfo
	raw, err := tst.Content.ContentInfo.Bytes()
	if err == nil {
		_, err = asn1.Unmarshal(raw, &info)
	}
	if err != nil {
		return nil, fmt.Errorf("RFC 3161 TSTInfo: %w", err)
	}
	t, err := info.SigningTime()
	if err != nil {
		return nil, fmt.Errorf("RFC 3161 genTime: %w", err)
	}
	s := &Stamp{TS: snapshot.Timestamp{Time: t.UTC(), Kind: KindRFC3161}}
	tokenCerts, _, _ := ParseCertificates(tst.Content.Certificates)
	all := capCerts(append(tokenCerts, certs...))
	cs, err := pkcs9.Verify(&tst, stamped, all)
	if err == nil {
		s.Cert, s.Intermediates = cs.Certificate, all
	} else if len(tst.Content.SignerInfos) > 0 {
		s.Cert, _ = tst.Content.SignerInfos[0].FindCertificate(all)
		s.Intermediates = all
	}
	s.finish(err)
	return s, nil
}

func legacy(attrs pkcs7.AttributeList, stamped []byte, certs []*x509.Certificate) (*Stamp, error) {
	var tsi pkcs7.SignerInfo
	if err := attrs.GetOne(OIDCounterSignature, &tsi); err != nil {
		return nil, fmt.Errorf("legacy countersignature: %w", err)
	}
	t, err := tsi.SigningTime()
	if err != nil {
		return nil, fmt.Errorf("legacy countersignature time: %w", err)
	}
	s := &Stamp{TS: snapshot.Timestamp{Time: t.UTC(), Kind: KindLegacy}, Intermediates: capCerts(certs)}
	cert, err := tsi.Verify(stamped, false, s.Intermediates)
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
