package authenticode

import (
	"crypto"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"unicode/utf16"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers from the Authenticode specification.
var (
	OIDIndirectData    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	OIDOpusInfo        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 12}
	OIDPEImageData     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 15}
	OIDSipInfo         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 30}
	OIDNestedSignature = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}
	// OIDCTL is szOID_CTL, the content type of a signed certificate trust
	// list: a catalog (.cat) or authroot.stl.
	OIDCTL = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 1}
)

// indirect is what cascade reads of SpcIndirectDataContent: what the file
// digest is of, and the digest.
type indirect struct {
	subject   asn1.ObjectIdentifier
	algorithm asn1.ObjectIdentifier
	digest    []byte
}

// parseIndirect reads SpcIndirectDataContent (the signed content element):
// SEQUENCE { SEQUENCE { type OID, value ANY OPTIONAL },
// DigestInfo SEQUENCE { AlgorithmIdentifier, OCTET STRING } }.
func parseIndirect(der []byte) (indirect, error) {
	var ind indirect
	in := cryptobyte.String(der)
	var seq, data, md, alg, digest cryptobyte.String
	switch {
	case !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty():
		return ind, errors.New("not a SEQUENCE")
	case !seq.ReadASN1(&data, cbasn1.SEQUENCE) || !data.ReadASN1ObjectIdentifier(&ind.subject):
		return ind, errors.New("data type malformed")
	case !seq.ReadASN1(&md, cbasn1.SEQUENCE) || !md.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&ind.algorithm) || !md.ReadASN1(&digest, cbasn1.OCTET_STRING):
		return ind, errors.New("message digest malformed")
	}
	ind.digest = digest
	return ind, nil
}

// parseOpus reads SpcSpOpusInfo: SEQUENCE { programName [0] EXPLICIT
// SpcString OPTIONAL, moreInfo [1] EXPLICIT SpcLink OPTIONAL }, where
// SpcString is unicode [0] IMPLICIT BMPString or ascii [1] IMPLICIT
// IA5String, and SpcLink's url is [0] IMPLICIT IA5String.
func parseOpus(der []byte) (name, url string, ok bool) {
	in := cryptobyte.String(der)
	var seq, pn, mi cryptobyte.String
	var hasName, hasInfo bool
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadOptionalASN1(&pn, &hasName, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!seq.ReadOptionalASN1(&mi, &hasInfo, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return "", "", false
	}
	if hasName {
		if name, ok = spcString(pn); !ok {
			return "", "", false
		}
	}
	if hasInfo {
		var u cryptobyte.String
		var hasURL bool
		if !mi.ReadOptionalASN1(&u, &hasURL, cbasn1.Tag(0).ContextSpecific()) {
			return "", "", false
		}
		url = string(u)
	}
	return name, url, true
}

// spcString reads the SpcString CHOICE in s.
func spcString(s cryptobyte.String) (string, bool) {
	var v cryptobyte.String
	switch {
	case s.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		if !s.ReadASN1(&v, cbasn1.Tag(0).ContextSpecific()) {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(v[2*i:])
		}
		return string(utf16.Decode(u)), true
	case s.PeekASN1Tag(cbasn1.Tag(1).ContextSpecific()):
		if !s.ReadASN1(&v, cbasn1.Tag(1).ContextSpecific()) {
			return "", false
		}
		return string(v), true
	}
	return "", s.Empty()
}

// digestAlgorithms maps digest OIDs to hashes and their names.
var digestAlgorithms = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
	name string
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, crypto.MD5, "md5"},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1, "sha1"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256, "sha256"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384, "sha384"},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512, "sha512"},
}

// digestAlgorithm returns the hash for oid, or 0 and the dotted OID.
func digestAlgorithm(oid asn1.ObjectIdentifier) (crypto.Hash, string) {
	for _, d := range digestAlgorithms {
		if d.oid.Equal(oid) {
			return d.hash, d.name
		}
	}
	return 0, oid.String()
}

// HashName is the lower-case name cascade records for h.
func HashName(h crypto.Hash) string {
	for _, d := range digestAlgorithms {
		if d.hash == h {
			return d.name
		}
	}
	return h.String()
}
