package authenticode

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"unicode/utf16"
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

// indirectData is SpcIndirectDataContent: what the file digest is of, and
// the digest.
type indirectData struct {
	Data struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue `asn1:"optional"`
	}
	MessageDigest struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
}

// opusInfo is SpcSpOpusInfo. Its fields are EXPLICIT-tagged CHOICEs; an
// implicitly tagged struct decodes the same bytes.
type opusInfo struct {
	ProgramName spcString `asn1:"optional,tag:0"`
	MoreInfo    spcLink   `asn1:"optional,tag:1"`
}

type spcString struct {
	Unicode []byte `asn1:"optional,tag:0"` // BMPString, big-endian UTF-16
	ASCII   string `asn1:"optional,tag:1,ia5"`
}

type spcLink struct {
	URL     string        `asn1:"optional,tag:0,ia5"`
	Moniker asn1.RawValue `asn1:"optional,tag:1"`
	File    spcString     `asn1:"optional,tag:2"`
}

func (s spcString) String() string {
	if len(s.Unicode) >= 2 {
		u := make([]uint16, len(s.Unicode)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(s.Unicode[2*i:])
		}
		return string(utf16.Decode(u))
	}
	return s.ASCII
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
