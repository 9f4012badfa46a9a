package macho

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	rpkcs7 "github.com/sassoftware/relic/v8/lib/pkcs7"
	"github.com/smallstep/pkcs7"
	"howett.net/plist"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/guard"
)

// oidCDHashes is Apple's signed attribute listing every code directory hash.
var oidCDHashes = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 9, 1}

// checkCMS reads the CMS signature wrapped in w, verifies it over the
// primary code directory and records the signer in rec.
func checkCMS(w []byte, primary *codeDir, all []*codeDir, rec *record) {
	payload := w[8:]
	if len(payload) == 0 {
		return // ad-hoc: an empty wrapper
	}
	n, err := cms.ObjectLen(payload)
	if err != nil {
		rec.addError(fmt.Sprintf("CMS signature: %v", err))
		return
	}
	if rest := payload[n:]; !cms.IsZero(rest) {
		rec.anomalies = append(rec.anomalies, anomaly.New(anomaly.SignaturePadding, fmt.Sprintf(
			"%d bytes follow the CMS signature inside the %s code signature; verifiers ignore them", len(rest), rec.sig.Arch)))
	}
	p7, err := parseCMS(payload[:n])
	if err != nil {
		rec.addError(fmt.Sprintf("CMS signature: %v", err))
		return
	}
	rec.readSigner(p7)
	if rec.signer.Cert == nil {
		return
	}
	p7.Content = primary.raw
	err = verifyCMS(p7, rec.signer.Cert)
	ok := err == nil
	rec.sig.SignatureVerified = &ok
	if err != nil {
		rec.sig.SignatureError = err.Error()
		rec.anomalies = append(rec.anomalies, anomaly.New(anomaly.BadSignature, fmt.Sprintf(
			"the CMS signature of the %s slice does not verify over its code directory: %v", rec.sig.Arch, err)))
	}
	rec.checkCDHashes(p7, all)
}

func parseCMS(b []byte) (p7 *pkcs7.PKCS7, err error) {
	defer guard.Recover(&err, "CMS parser", "Mach-O signature")
	p7, err = pkcs7.Parse(b)
	if err == nil && len(p7.Signers) != 1 {
		err = fmt.Errorf("%d signers, want 1", len(p7.Signers))
	}
	return p7, err
}

func (rec *record) readSigner(p7 *pkcs7.PKCS7) {
	certs := p7.Certificates
	if len(certs) > cms.MaxCerts {
		certs = certs[:cms.MaxCerts]
	}
	rec.signer.Certs = certs
	cert := p7.GetOnlySigner()
	if cert == nil {
		rec.addError("CMS signer certificate not found")
		return
	}
	rec.signer.Cert = cert
	d := cms.Describe(cert)
	rec.sig.Signer = &d
	rec.sig.Chain = cms.DescribeChain(cms.OrderChain(cert, certs))
	var t time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t); err == nil {
		t = t.UTC()
		rec.sig.SigningTime = &t
	}
	si := p7.Signers[0]
	attrs := make(rpkcs7.AttributeList, 0, len(si.UnauthenticatedAttributes))
	for _, a := range si.UnauthenticatedAttributes {
		attrs = append(attrs, rpkcs7.Attribute{Type: a.Type, Values: a.Value})
	}
	stamp, err := cms.ReadStamp(attrs, si.EncryptedDigest, certs)
	if err != nil {
		rec.addError(err.Error())
	} else if stamp != nil {
		rec.signer.Stamp = stamp
		rec.sig.Timestamp = &stamp.TS
	}
}

// verifyCMS checks the message digest and the signature. smallstep/pkcs7
// refuses a signing time outside the certificate's validity before checking
// the signature; that case is a temporal fact cascade reports on its own,
// so the signature is then checked here.
func verifyCMS(p7 *pkcs7.PKCS7, cert *x509.Certificate) error {
	err := p7.Verify()
	var timeErr *pkcs7.SigningTimeNotValidError
	if !errors.As(err, &timeErr) {
		return err
	}
	si := p7.Signers[0]
	type attribute struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue `asn1:"set"`
	}
	attrs := make([]attribute, 0, len(si.AuthenticatedAttributes))
	for _, a := range si.AuthenticatedAttributes {
		attrs = append(attrs, attribute{a.Type, a.Value})
	}
	enc, err := asn1.Marshal(struct {
		A []attribute `asn1:"set"`
	}{attrs})
	if err != nil {
		return err
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(enc, &seq); err != nil {
		return err
	}
	alg, err := signatureAlgorithm(si.DigestEncryptionAlgorithm.Algorithm, si.DigestAlgorithm.Algorithm, cert)
	if err != nil {
		return err
	}
	return cert.CheckSignature(alg, seq.Bytes, si.EncryptedDigest)
}

// signatureAlgorithm maps a SignerInfo's algorithms to x509's.
func signatureAlgorithm(enc, digest asn1.ObjectIdentifier, cert *x509.Certificate) (x509.SignatureAlgorithm, error) {
	var h crypto.Hash
	switch {
	case digest.Equal(pkcs7.OIDDigestAlgorithmSHA1):
		h = crypto.SHA1
	case digest.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		h = crypto.SHA256
	case digest.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		h = crypto.SHA384
	case digest.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		h = crypto.SHA512
	default:
		return 0, fmt.Errorf("digest algorithm %s unsupported", digest)
	}
	rsa := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA1: x509.SHA1WithRSA, crypto.SHA256: x509.SHA256WithRSA,
		crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	ec := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA1: x509.ECDSAWithSHA1, crypto.SHA256: x509.ECDSAWithSHA256,
		crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	switch cert.PublicKeyAlgorithm {
	case x509.RSA:
		return rsa[h], nil
	case x509.ECDSA:
		return ec[h], nil
	}
	return 0, fmt.Errorf("signature algorithm %s with %s keys unsupported", enc, cert.PublicKeyAlgorithm)
}

// checkCDHashes compares Apple's cdhashes attribute, when present, with
// every code directory: an alternate directory the signature does not list
// was not signed.
func (rec *record) checkCDHashes(p7 *pkcs7.PKCS7, all []*codeDir) {
	var raw []byte
	if err := p7.UnmarshalSignedAttribute(oidCDHashes, &raw); err != nil {
		return
	}
	var doc struct {
		CDHashes [][]byte `plist:"cdhashes"`
	}
	if _, err := plist.Unmarshal(raw, &doc); err != nil {
		rec.addError(fmt.Sprintf("cdhashes attribute: %v", err))
		return
	}
	for _, cd := range all {
		h := cd.cdhash()
		found := false
		for _, l := range doc.CDHashes {
			found = found || (len(l) >= 20 && bytes.Equal(l[:20], h))
		}
		if !found {
			rec.anomalies = append(rec.anomalies, anomaly.New(anomaly.BadSignature, fmt.Sprintf(
				"the %s code directory of the %s slice (cdhash %x) is not among the code directory hashes the CMS signature covers",
				hashTypes[cd.hashType].name, rec.sig.Arch, h)))
		}
	}
}
