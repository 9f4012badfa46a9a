package macho

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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
	sd, err := parseCMS(payload[:n])
	if err != nil {
		rec.addError(fmt.Sprintf("CMS signature: %v", err))
		return
	}
	si := &sd.Signers[0]
	rec.readSigner(sd, si)
	if rec.signer.Cert == nil {
		return
	}
	// The signature is detached: it covers the primary code directory.
	_, err = si.Verify(primary.raw, []*x509.Certificate{rec.signer.Cert})
	ok := err == nil
	rec.sig.SignatureVerified = &ok
	if err != nil {
		rec.sig.SignatureError = err.Error()
		rec.anomalies = append(rec.anomalies, anomaly.New(anomaly.BadSignature, fmt.Sprintf(
			"the CMS signature of the %s slice does not verify over its code directory: %v", rec.sig.Arch, err)))
	}
	rec.checkCDHashes(si, all)
}

func parseCMS(b []byte) (sd *cms.SignedData, err error) {
	defer guard.Recover(&err, "CMS parser", "Mach-O signature")
	sd, err = cms.ParseSignedData(b)
	if err == nil && len(sd.Signers) != 1 {
		err = fmt.Errorf("%d signers, want 1", len(sd.Signers))
	}
	return sd, err
}

func (rec *record) readSigner(sd *cms.SignedData, si *cms.SignerInfo) {
	raws := sd.Certificates
	if len(raws) > cms.MaxCerts {
		raws = raws[:cms.MaxCerts]
	}
	if n := sd.OtherCertificates; n > 0 {
		rec.addError(fmt.Sprintf("CMS signature: %d certificate entries that are not X.509 certificates were skipped", n))
	}
	certs, _, certErr := cms.ParseCertificates(raws)
	rec.signer.Certs = certs
	cert, err := si.FindCertificate(certs)
	if err != nil {
		msg := "CMS signer certificate not found"
		if certErr != nil {
			msg += fmt.Sprintf(" (embedded certificate unreadable: %v)", certErr)
		}
		rec.addError(msg)
		return
	}
	rec.signer.Cert = cert
	d := cms.Describe(cert)
	rec.sig.Signer = &d
	rec.sig.Chain = cms.DescribeChain(cms.OrderChain(cert, certs))
	if t, err := si.SigningTime(); err == nil {
		t = t.UTC()
		rec.sig.SigningTime = &t
	}
	if si.UnsignedAttrsErr != nil {
		rec.addError(fmt.Sprintf("CMS unsigned attributes: %v", si.UnsignedAttrsErr))
	}
	stamp, err := cms.ReadStamp(si.UnsignedAttrs, si.Signature, certs)
	if err != nil {
		rec.addError(err.Error())
	} else if stamp != nil {
		rec.signer.Stamp = stamp
		rec.sig.Timestamp = &stamp.TS
	}
}

// checkCDHashes compares Apple's cdhashes attribute, when present, with
// every code directory: an alternate directory the signature does not list
// was not signed.
func (rec *record) checkCDHashes(si *cms.SignerInfo, all []*codeDir) {
	v, err := si.SignedAttrs.One(oidCDHashes)
	if err != nil {
		return
	}
	s := cryptobyte.String(v)
	var raw cryptobyte.String
	if !s.ReadASN1(&raw, cbasn1.OCTET_STRING) || !s.Empty() {
		rec.addError("cdhashes attribute: not an OCTET STRING")
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
