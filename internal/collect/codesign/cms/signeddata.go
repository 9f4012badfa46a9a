package cms

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CMS object identifiers (RFC 5652, PKCS #9).
var (
	OIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
)

// Limits on what one SignedData may hold; beyond them it is refused as
// malformed rather than read at any cost.
const (
	MaxSigners    = 64
	MaxAttributes = 256
	maxCertsRead  = 4 * MaxCerts
)

// SignedData is a CMS SignedData (RFC 5652 §5) as read from a ContentInfo,
// with the bytes of its parts kept for verification.
type SignedData struct {
	Version          int64
	DigestAlgorithms []asn1.ObjectIdentifier
	// ContentType is eContentType. Content is the encapsulated content's
	// DER element (its tag and length included), nil when detached.
	ContentType asn1.ObjectIdentifier
	Content     []byte
	// Certificates are the DER of the certificates field's plain X.509
	// certificates, in order. OtherCertificates counts the entries that
	// are not (attribute certificates, other choices, damaged tags) and
	// were skipped, and the certificates beyond the cap.
	Certificates      [][]byte
	OtherCertificates int
	Signers           []SignerInfo
}

// SignerInfo is one signer of a SignedData (RFC 5652 §5.3).
type SignerInfo struct {
	Version int64
	// IssuerAndSerialNumber identifies the signer's certificate
	// (version 1); SubjectKeyID does instead for version 3.
	Issuer       []byte // DER of the issuer Name
	Serial       *big.Int
	SubjectKeyID []byte

	DigestAlgorithm    AlgorithmIdentifier
	SignedAttrs        Attributes
	RawSignedAttrs     []byte // contents of the [0] IMPLICIT SET, nil without
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      Attributes

	// SignedAttrsErr and UnsignedAttrsErr say why an attribute list
	// inside its well-formed [0] or [1] could not be read: the rest of
	// the signer stays readable (a damaged signed list fails Verify, as
	// the signature cannot cover it), so a record can still say who
	// signed and when.
	SignedAttrsErr, UnsignedAttrsErr error
}

// AlgorithmIdentifier is an algorithm OID with its parameters' DER (nil
// when absent).
type AlgorithmIdentifier struct {
	OID        asn1.ObjectIdentifier
	Parameters []byte
}

// Attribute is one CMS attribute: its type and the DER of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// Attributes is a signer's signed or unsigned attribute list.
type Attributes []Attribute

// Exists reports whether an attribute of type oid is present.
func (l Attributes) Exists(oid asn1.ObjectIdentifier) bool {
	return l.Find(oid) != nil
}

// Find returns the values of the first attribute of type oid, nil without.
func (l Attributes) Find(oid asn1.ObjectIdentifier) [][]byte {
	for _, a := range l {
		if a.Type.Equal(oid) {
			return a.Values
		}
	}
	return nil
}

// One returns the single value of the first attribute of type oid.
func (l Attributes) One(oid asn1.ObjectIdentifier) ([]byte, error) {
	for _, a := range l {
		if !a.Type.Equal(oid) {
			continue
		}
		if len(a.Values) != 1 {
			return nil, fmt.Errorf("attribute %s: %d values, want exactly one", oid, len(a.Values))
		}
		return a.Values[0], nil
	}
	return nil, fmt.Errorf("attribute not found: %s", oid)
}

// ErrMalformed wraps every structural error of Parse.
var ErrMalformed = errors.New("malformed CMS")

func malformed(what string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, what)
}

// Parse reads the ContentInfo holding a SignedData at the start of b and
// returns it with the bytes that follow it. Indefinite-length BER (as
// Apple's codesign writes) is accepted and read as its DER equivalent; the
// returned parts then point into that copy, not into b.
func Parse(b []byte) (sd *SignedData, rest []byte, err error) {
	n, err := ObjectLen(b)
	if err != nil {
		return nil, nil, malformed(err.Error())
	}
	obj, rest := b[:n], b[n:]
	sd, err = parseContentInfo(obj)
	if err != nil && needsDER(obj) {
		// Not DER: read the DER form of the same BER. DER, the common
		// case, is not walked twice.
		der, derr := toDER(obj)
		if derr != nil {
			return nil, nil, malformed(derr.Error())
		}
		sd, err = parseContentInfo(der)
	}
	return sd, rest, err
}

// ParseSignedData reads a ContentInfo that must be exactly b, for a value
// nested inside another structure (a timestamp token or a nested signature).
func ParseSignedData(b []byte) (*SignedData, error) {
	sd, rest, err := Parse(b)
	if err == nil && len(rest) > 0 {
		err = malformed("data after the ContentInfo")
	}
	return sd, err
}

func parseContentInfo(b []byte) (*SignedData, error) {
	in := cryptobyte.String(b)
	var ci, content cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, malformed("ContentInfo")
	}
	if !ct.Equal(OIDSignedData) {
		return nil, fmt.Errorf("content type %s is not SignedData", ct)
	}
	if !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() {
		return nil, malformed("ContentInfo content")
	}
	var sdSeq cryptobyte.String
	if !content.ReadASN1(&sdSeq, cbasn1.SEQUENCE) || !content.Empty() {
		return nil, malformed("SignedData")
	}
	return parseSignedData(sdSeq)
}

func parseSignedData(s cryptobyte.String) (*SignedData, error) {
	sd := &SignedData{}
	var algs, encap cryptobyte.String
	if !s.ReadASN1Int64WithTag(&sd.Version, cbasn1.INTEGER) || !s.ReadASN1(&algs, cbasn1.SET) {
		return nil, malformed("SignedData version or digest algorithms")
	}
	for !algs.Empty() {
		a, err := readAlgorithm(&algs)
		if err != nil {
			return nil, err
		}
		if len(sd.DigestAlgorithms) < MaxSigners {
			sd.DigestAlgorithms = append(sd.DigestAlgorithms, a.OID)
		}
	}
	if !s.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&sd.ContentType) {
		return nil, malformed("encapsulated content info")
	}
	if !encap.Empty() {
		var explicit, elem cryptobyte.String
		var tag cbasn1.Tag
		if !encap.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) || !encap.Empty() ||
			!explicit.ReadAnyASN1Element(&elem, &tag) || !explicit.Empty() {
			return nil, malformed("encapsulated content")
		}
		sd.Content = elem
	}
	var certs cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&certs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, malformed("certificates")
	}
	for !certs.Empty() {
		var c cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&c, &tag) {
			return nil, malformed("certificate")
		}
		if tag == cbasn1.SEQUENCE && len(sd.Certificates) < maxCertsRead {
			sd.Certificates = append(sd.Certificates, c)
		} else {
			sd.OtherCertificates++
		}
	}
	// CRLs are not used; skip them.
	if !s.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, malformed("crls")
	}
	var infos cryptobyte.String
	if !s.ReadASN1(&infos, cbasn1.SET) || !s.Empty() {
		return nil, malformed("signer infos")
	}
	for !infos.Empty() {
		if len(sd.Signers) >= MaxSigners {
			return nil, malformed(fmt.Sprintf("more than %d signer infos", MaxSigners))
		}
		var one cryptobyte.String
		if !infos.ReadASN1(&one, cbasn1.SEQUENCE) {
			return nil, malformed("signer info")
		}
		si, err := parseSignerInfo(one)
		if err != nil {
			return nil, err
		}
		sd.Signers = append(sd.Signers, *si)
	}
	return sd, nil
}

// ParseSignerInfo reads one DER SignerInfo that must be exactly b, as the
// value of a legacy countersignature attribute.
func ParseSignerInfo(b []byte) (*SignerInfo, error) {
	in := cryptobyte.String(b)
	var one cryptobyte.String
	if !in.ReadASN1(&one, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("signer info")
	}
	return parseSignerInfo(one)
}

func parseSignerInfo(s cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	if !s.ReadASN1Int64WithTag(&si.Version, cbasn1.INTEGER) {
		return nil, malformed("signer info version")
	}
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.Serial = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.Serial) || !ias.Empty() {
			return nil, malformed("signer issuer and serial number")
		}
		si.Issuer = name
	case s.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var skid cryptobyte.String
		if !s.ReadASN1(&skid, cbasn1.Tag(0).ContextSpecific()) {
			return nil, malformed("signer subject key identifier")
		}
		si.SubjectKeyID = skid
	default:
		return nil, malformed("signer identifier")
	}
	var err error
	if si.DigestAlgorithm, err = readAlgorithm(&s); err != nil {
		return nil, err
	}
	var attrs cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&attrs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, malformed("signed attributes")
	}
	if present {
		si.RawSignedAttrs = attrs
		si.SignedAttrs, si.SignedAttrsErr = readAttributes(attrs)
	}
	if si.SignatureAlgorithm, err = readAlgorithm(&s); err != nil {
		return nil, err
	}
	var sig cryptobyte.String
	if !s.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, malformed("signature value")
	}
	si.Signature = sig
	if !s.ReadOptionalASN1(&attrs, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) || !s.Empty() {
		return nil, malformed("unsigned attributes")
	}
	if present {
		si.UnsignedAttrs, si.UnsignedAttrsErr = readAttributes(attrs)
	}
	return si, nil
}

func readAlgorithm(s *cryptobyte.String) (AlgorithmIdentifier, error) {
	var seq cryptobyte.String
	var a AlgorithmIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.OID) {
		return a, malformed("algorithm identifier")
	}
	if !seq.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&p, &tag) || !seq.Empty() {
			return a, malformed("algorithm parameters")
		}
		a.Parameters = p
	}
	return a, nil
}

func readAttributes(s cryptobyte.String) (Attributes, error) {
	var out Attributes
	for !s.Empty() {
		if len(out) >= MaxAttributes {
			return nil, malformed(fmt.Sprintf("more than %d attributes", MaxAttributes))
		}
		var seq, set cryptobyte.String
		var a Attribute
		if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&set, cbasn1.SET) || !seq.Empty() {
			return nil, malformed("attribute")
		}
		for !set.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadAnyASN1Element(&v, &tag) {
				return nil, malformed(fmt.Sprintf("attribute %s value", a.Type))
			}
			a.Values = append(a.Values, v)
		}
		out = append(out, a)
	}
	return out, nil
}

// ContentBytes are the bytes a signer's message digest covers: the
// contents of the encapsulated content's element without its tag and
// length (the octets of an OCTET STRING; for Authenticode's
// SpcIndirectDataContent, the SEQUENCE's contents). It is nil when the
// content is detached.
func (sd *SignedData) ContentBytes() []byte {
	if sd.Content == nil {
		return nil
	}
	s := cryptobyte.String(sd.Content)
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) {
		return nil
	}
	return body
}
