// Package authenticode reads Authenticode signatures (the PKCS#7 blobs in a
// PE certificate table or an MSI DigitalSignature stream) as forensic
// records: signer, chain, program name, signed digest, countersignature and
// every nested signature. It checks the CMS signature itself; comparing the
// signed digest with the file is the caller's job (peinfo, msi).
package authenticode

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Limits bound what one blob may make the parser do.
type Limits struct {
	// MaxNesting is the deepest nested signature followed (1 = nested
	// signatures of the primary only, as Windows writes them); 0 means 2.
	MaxNesting int
	// MaxSignatures caps the signatures read from one blob in total; 0
	// means 16.
	MaxSignatures int
}

// Parsed is one signature with what the caller needs to finish checking it.
type Parsed struct {
	Sig snapshot.Signature
	// Hash and Digest are the file digest the signature covers; Hash is 0
	// when the algorithm is unknown.
	Hash   crypto.Hash
	Digest []byte
	// Subject says what the digest is of: OIDPEImageData or OIDSipInfo.
	Subject asn1.ObjectIdentifier
	// Anomalies are what the signature itself shows, such as an embedded
	// certificate with explicit EC curve parameters.
	Anomalies []snapshot.Anomaly

	signer cms.Signer
}

// Parse reads the PKCS#7 blob at the start of blob and its nested
// signatures, primary first. rest is what follows the blob's DER object. An
// error means not even the primary SignedData could be decoded; problems
// with parts of a signature are recorded in its Sig.Error.
func Parse(blob []byte, format string, lim Limits) (sigs []*Parsed, rest []byte, err error) {
	if lim.MaxNesting <= 0 {
		lim.MaxNesting = 2
	}
	if lim.MaxSignatures <= 0 {
		lim.MaxSignatures = 16
	}
	sd, rest, err := cms.Parse(blob)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding PKCS#7 SignedData: %w", err)
	}
	w := walker{format: format, lim: lim}
	w.add(sd, false, 0)
	return w.out, rest, nil
}

type walker struct {
	format string
	lim    Limits
	out    []*Parsed
}

func (w *walker) add(sd *cms.SignedData, nested bool, depth int) {
	p, si := parseOne(sd, w.format, nested, OIDIndirectData)
	w.out = append(w.out, p)
	if si == nil {
		return
	}
	for _, a := range si.UnsignedAttrs {
		if !a.Type.Equal(OIDNestedSignature) {
			continue
		}
		if depth >= w.lim.MaxNesting {
			p.addError(fmt.Sprintf("nested signatures deeper than %d not read", w.lim.MaxNesting))
			return
		}
		w.nested(p, a.Values, depth+1)
	}
}

// nested reads the ContentInfo values of one SPC_NESTED_SIGNATURE attribute.
func (w *walker) nested(parent *Parsed, values [][]byte, depth int) {
	for _, v := range values {
		if len(w.out) >= w.lim.MaxSignatures {
			parent.addError(fmt.Sprintf("more than %d signatures: the rest were not read", w.lim.MaxSignatures))
			return
		}
		inner, err := cms.ParseSignedData(v)
		if err != nil {
			parent.addError(fmt.Sprintf("nested signature: %v", err))
			return
		}
		w.add(inner, true, depth)
	}
}

// ParseCTL reads a signed certificate trust list, such as a Windows
// catalog (.cat): the signer as for Authenticode (no nested signatures)
// and the CTL's DER. An error means the blob is not a SignedData holding a
// CTL; problems with the signature itself are in the Parsed's Sig.Error.
func ParseCTL(blob []byte, format string) (*Parsed, []byte, error) {
	sd, _, err := cms.Parse(blob)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding PKCS#7 SignedData: %w", err)
	}
	if !sd.ContentType.Equal(OIDCTL) {
		return nil, nil, fmt.Errorf("signed content type %s is not a certificate trust list", sd.ContentType)
	}
	if sd.Content == nil {
		return nil, nil, errors.New("certificate trust list: content missing")
	}
	// Windows embeds the CTL itself; CMS tools wrap it in an OCTET STRING.
	ctl := sd.Content
	if ctl[0] == 0x04 {
		ctl = sd.ContentBytes()
	}
	p, _ := parseOne(sd, format, false, OIDCTL)
	return p, ctl, nil
}

// parseOne reads one SignedData whose content must be of type want; it
// returns the signer info to walk for nested signatures, or nil when there
// is none to trust the shape of.
func parseOne(sd *cms.SignedData, format string, nested bool, want asn1.ObjectIdentifier) (*Parsed, *cms.SignerInfo) {
	p := &Parsed{Sig: snapshot.Signature{Format: format, Nested: nested}}
	switch {
	case !sd.ContentType.Equal(want):
		p.addError(fmt.Sprintf("signed content type %s is not %s", sd.ContentType, contentName(want)))
		return p, nil
	case len(sd.Signers) != 1:
		p.addError(fmt.Sprintf("%d signer infos, want exactly 1", len(sd.Signers)))
		if len(sd.Signers) == 0 {
			return p, nil
		}
	}
	si := &sd.Signers[0]
	p.readCerts(sd, si)
	if want.Equal(OIDIndirectData) {
		p.readIndirect(sd)
	}
	p.verifySignature(sd, si)
	p.readAttributes(si)
	return p, si
}

func contentName(oid asn1.ObjectIdentifier) string {
	if oid.Equal(OIDCTL) {
		return "a certificate trust list"
	}
	return "Authenticode indirect data"
}

func (p *Parsed) readCerts(sd *cms.SignedData, si *cms.SignerInfo) {
	raws := sd.Certificates
	if len(raws) > cms.MaxCerts {
		raws = raws[:cms.MaxCerts]
		p.addError(fmt.Sprintf("more than %d certificates: the rest were ignored", cms.MaxCerts))
	}
	if n := sd.OtherCertificates; n > 0 {
		p.addError(fmt.Sprintf("%d certificate entries that are not X.509 certificates were skipped", n))
	}
	certs, explicit, certErr := cms.ParseCertificates(raws)
	if certErr != nil {
		p.addError(fmt.Sprintf("embedded certificate unreadable: %v", certErr))
	}
	for _, der := range explicit {
		p.Anomalies = append(p.Anomalies, anomaly.New(anomaly.ExplicitCurveCertificate, fmt.Sprintf(
			"the signature embeds the certificate %s, whose EC public key carries explicit curve parameters instead of a named curve: "+
				"the layout of CVE-2020-0601 (CurveBall), where a forged CA with a trusted CA's key and a chosen generator "+
				"made unpatched Windows accept any signature; no legitimate CA does this, so the certificate was not used",
			cms.Outline(der))))
	}
	p.signer.Certs = certs
	cert, err := si.FindCertificate(certs)
	if err != nil {
		p.addError(err.Error())
		return
	}
	p.signer.Cert = cert
	d := cms.Describe(cert)
	p.Sig.Signer = &d
	p.Sig.Chain = cms.DescribeChain(cms.OrderChain(cert, certs))
}

func (p *Parsed) readIndirect(sd *cms.SignedData) {
	ind, err := parseIndirect(sd.Content)
	if err != nil {
		p.addError(fmt.Sprintf("SpcIndirectDataContent: %v", err))
		return
	}
	p.Subject = ind.subject
	p.Digest = ind.digest
	p.Hash, p.Sig.DigestAlgorithm = digestAlgorithm(ind.algorithm)
	p.Sig.SignedDigest = hex.EncodeToString(p.Digest)
}

// verifySignature checks the messageDigest attribute against the indirect
// data and the signer's signature over the attributes.
func (p *Parsed) verifySignature(sd *cms.SignedData, si *cms.SignerInfo) {
	if p.signer.Cert == nil {
		return
	}
	content := sd.ContentBytes()
	var err error
	if content == nil {
		err = errors.New("signed content missing")
	} else {
		_, err = si.Verify(content, []*x509.Certificate{p.signer.Cert})
	}
	ok := err == nil
	p.Sig.SignatureVerified = &ok
	if err != nil {
		p.Sig.SignatureError = err.Error()
	}
}

func (p *Parsed) readAttributes(si *cms.SignerInfo) {
	if v, err := si.SignedAttrs.One(OIDOpusInfo); err == nil {
		if name, url, ok := parseOpus(v); ok {
			p.Sig.ProgramName = strings.TrimRight(name, "\x00")
			p.Sig.ProgramURL = url
		}
	}
	if t, err := si.SigningTime(); err == nil {
		t = t.UTC()
		p.Sig.SigningTime = &t
	}
	if si.UnsignedAttrsErr != nil {
		p.addError(fmt.Sprintf("unsigned attributes: %v", si.UnsignedAttrsErr))
	}
	stamp, err := cms.ReadStamp(si.UnsignedAttrs, si.Signature, p.signer.Certs)
	if err != nil {
		p.addError(err.Error())
		return
	}
	if stamp != nil {
		p.signer.Stamp = stamp
		p.Sig.Timestamp = &stamp.TS
	}
}

func (p *Parsed) addError(msg string) {
	if p.Sig.Error != "" {
		p.Sig.Error += "; "
	}
	p.Sig.Error += msg
}

// CheckChain verifies the signer's chain against roots at the verified
// timestamp time, or at now without one, and the timestamp authority's
// chain at its stamped time.
func (p *Parsed) CheckChain(r *cms.Roots, now time.Time) {
	p.signer.CheckChain(&p.Sig, r, now)
}

// SetComputed records the digest recomputed from the file.
func (p *Parsed) SetComputed(computed []byte) {
	p.Sig.ComputedDigest = hex.EncodeToString(computed)
	match := p.Digest != nil && hex.EncodeToString(p.Digest) == p.Sig.ComputedDigest
	p.Sig.DigestMatch = &match
}
