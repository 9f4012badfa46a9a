package catalog

import (
	"bytes"
	"crypto"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// A catalog can list hundreds of thousands of members, and every scan of
// a Windows source reads them all, so members are read with cryptobyte
// instead of encoding/asn1's reflection (about ten times slower per
// member). It reads DER only: definite, minimal lengths and one-byte tags.

var errDER = errors.New("malformed DER")

// der is the unread rest of a DER encoding.
type der []byte

// next reads one element: its tag byte, its content and its whole
// encoding.
func (d *der) next() (tag byte, body, full []byte, err error) {
	orig := *d
	s := cryptobyte.String(orig)
	var b cryptobyte.String
	var t cbasn1.Tag
	if !s.ReadAnyASN1(&b, &t) {
		return 0, nil, nil, errDER
	}
	*d = der(s)
	return byte(t), b, orig[:len(orig)-len(s)], nil
}

// expect reads one element that must have tag.
func (d *der) expect(tag byte) ([]byte, error) {
	t, body, _, err := d.next()
	if err != nil {
		return nil, err
	}
	if t != tag {
		return nil, errDER
	}
	return body, nil
}

// DER tags used here.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagOID         = 0x06
	tagBMPString   = 0x1e
	tagSequence    = 0x30
	tagSet         = 0x31
)

// Content bytes of the object identifiers read from members.
var (
	oidIndirectData = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x04} // 1.3.6.1.4.1.311.2.1.4
	oidNameValue    = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x02, 0x01} // 1.3.6.1.4.1.311.12.2.1
	oidMemberInfo2  = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0c, 0x02, 0x03} // 1.3.6.1.4.1.311.12.2.3, CAT_MEMBERINFO2
)

// digestOIDs are the digest algorithms a member's indirect data may name.
var digestOIDs = []struct {
	oid  []byte
	hash crypto.Hash
}{
	{[]byte{0x2b, 0x0e, 0x03, 0x02, 0x1a}, crypto.SHA1},
	{[]byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, crypto.SHA256},
	{[]byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, crypto.SHA384},
	{[]byte{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, crypto.SHA512},
	{[]byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05}, crypto.MD5},
}

// indirectDigest reads an SpcIndirectDataContent's digest:
// SEQUENCE { SEQUENCE { OID, ANY } data, SEQUENCE { AlgorithmIdentifier,
// OCTET STRING } messageDigest }. The hash is 0 for an unknown algorithm.
func indirectDigest(b []byte) (crypto.Hash, []byte, error) {
	d := der(b)
	body, err := d.expect(tagSequence)
	if err != nil {
		return 0, nil, err
	}
	in := der(body)
	if _, err := in.expect(tagSequence); err != nil { // data: what the digest is of
		return 0, nil, err
	}
	md, err := in.expect(tagSequence)
	if err != nil {
		return 0, nil, err
	}
	m := der(md)
	alg, err := m.expect(tagSequence)
	if err != nil {
		return 0, nil, err
	}
	a := der(alg)
	oid, err := a.expect(tagOID)
	if err != nil {
		return 0, nil, err
	}
	digest, err := m.expect(tagOctetString)
	if err != nil {
		return 0, nil, err
	}
	for _, o := range digestOIDs {
		if bytes.Equal(o.oid, oid) {
			return o.hash, digest, nil
		}
	}
	return 0, digest, nil
}
