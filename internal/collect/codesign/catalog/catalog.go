// Package catalog reads Windows catalog files (.cat), the signed lists of
// file digests that sign most of Windows' own binaries: a PE without an
// embedded signature is still Microsoft-signed when a catalog under
// System32\CatRoot lists its Authenticode image digest. A catalog is a
// PKCS#7 SignedData whose content is a certificate trust list (CTL,
// szOID_CTL); each trusted subject is one member, carrying the member's
// digest in an SpcIndirectDataContent attribute and, usually, its file name
// in a CAT_NAMEVALUE attribute.
//
// The CTL is read as [MS-CAESO] lays it out, with every optional field
// tolerated: version, subject usage, list identifier, sequence number,
// this-update and next-update times, subject algorithm, trusted subjects and
// extensions.
package catalog

import (
	"crypto"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Object identifiers of catalog structures.
var (
	OIDCatalogList     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 1} // subject usage of a catalog
	OIDCatalogMember   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 2} // members keyed by SHA-1
	OIDCatalogMember2  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 3} // members keyed by SHA-256
	OIDCatalogNameVal  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 2, 1} // CAT_NAMEVALUE
	OIDCatalogMemberIn = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 2, 2} // CAT_MEMBERINFO
)

// DefaultMaxMembers caps the members read from one catalog. Windows' largest
// catalogs list some tens of thousands of files.
const DefaultMaxMembers = 1 << 20

// Catalog is one parsed catalog file.
type Catalog struct {
	// Sig is the catalog's own signature (Format "catalog"): signer,
	// chain, timestamp. Its digest fields are empty; a listed file's
	// record gets a copy with its member's digest.
	Sig snapshot.Signature
	// ListID is the list identifier (hex), ThisUpdate the CTL's date.
	ListID     string
	ThisUpdate time.Time
	Members    []Member
	// Problems are members that could not be read; the rest stand.
	Problems []string

	parsed *authenticode.Parsed
}

// Member is one listed file.
type Member struct {
	// Tag is the subject identifier: the hex digest tag makecat writes
	// (UTF-16 in the file), or the identifier's bytes in hex.
	Tag string
	// File is the CAT_NAMEVALUE "File" value, when present.
	File string
	// Hash and Digest are the member's Authenticode digest; Alg names
	// the hash (or gives the OID of an unknown one).
	Hash   crypto.Hash
	Alg    string
	Digest []byte
}

// Parse reads a catalog. The error is for a blob that is not a signed
// catalog at all; a bad signature or unreadable members are recorded in
// Sig and Problems.
func Parse(blob []byte, maxMembers int) (*Catalog, error) {
	if maxMembers <= 0 {
		maxMembers = DefaultMaxMembers
	}
	p, ctl, err := authenticode.ParseCTL(blob, snapshot.SigCatalog)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Sig: p.Sig, parsed: p}
	if err := c.readCTL(ctl, maxMembers); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckChain verifies the catalog signer's chain against roots, at the
// timestamp time or now.
func (c *Catalog) CheckChain(r *cms.Roots, now time.Time) {
	c.parsed.CheckChain(r, now)
	c.Sig = c.parsed.Sig
}

// readCTL walks the CTL's fields in order, each optional one recognised by
// its tag.
func (c *Catalog) readCTL(der []byte, maxMembers int) error {
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &seq); err != nil {
		return fmt.Errorf("certificate trust list: %w", err)
	} else if len(rest) > 0 || seq.Tag != asn1.TagSequence {
		return errors.New("certificate trust list: not one SEQUENCE")
	}
	fields, err := elements(seq.Bytes)
	if err != nil {
		return fmt.Errorf("certificate trust list: %w", err)
	}
	i := 0
	next := func(tag int) *asn1.RawValue {
		if i < len(fields) && fields[i].Class == asn1.ClassUniversal && fields[i].Tag == tag {
			i++
			return &fields[i-1]
		}
		return nil
	}
	next(asn1.TagInteger) // version
	usage := next(asn1.TagSequence)
	if usage == nil {
		return errors.New("certificate trust list: no subject usage")
	}
	var oids []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(usage.FullBytes, &oids); err != nil {
		return fmt.Errorf("certificate trust list: subject usage: %w", err)
	}
	if !hasOID(oids, OIDCatalogList) {
		return fmt.Errorf("certificate trust list: subject usage %v is not a catalog list", oids)
	}
	if id := next(asn1.TagOctetString); id != nil {
		c.ListID = hex.EncodeToString(id.Bytes)
	}
	next(asn1.TagInteger) // sequence number
	for _, tag := range []int{asn1.TagUTCTime, asn1.TagGeneralizedTime} {
		if t := next(tag); t != nil {
			var when time.Time
			if _, err := asn1.Unmarshal(t.FullBytes, &when); err == nil {
				c.ThisUpdate = when.UTC()
			}
			break
		}
	}
	next(asn1.TagUTCTime) // next update
	next(asn1.TagGeneralizedTime)
	alg := next(asn1.TagSequence)
	if alg == nil {
		return errors.New("certificate trust list: no subject algorithm")
	}
	if subjects := next(asn1.TagSequence); subjects != nil {
		return c.readMembers(subjects.Bytes, maxMembers)
	}
	return nil
}

// readMembers reads the trusted subjects: SEQUENCE OF { OCTET STRING
// identifier, SET OF Attribute }.
func (c *Catalog) readMembers(b []byte, maxMembers int) error {
	for n := 0; len(b) > 0; n++ {
		if n >= maxMembers {
			c.Problems = append(c.Problems, fmt.Sprintf("more than %d members: the rest were not read", maxMembers))
			return nil
		}
		var subj asn1.RawValue
		var err error
		if b, err = asn1.Unmarshal(b, &subj); err != nil {
			return fmt.Errorf("catalog member %d: %w", n, err)
		}
		m, err := readMember(subj)
		if err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("member %d: %v", n, err))
			continue
		}
		c.Members = append(c.Members, m)
	}
	return nil
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

func readMember(subj asn1.RawValue) (Member, error) {
	var m Member
	parts, err := elements(subj.Bytes)
	if err != nil || len(parts) == 0 || parts[0].Tag != asn1.TagOctetString {
		return m, errors.New("not a trusted subject")
	}
	m.Tag = tagString(parts[0].Bytes)
	if len(parts) < 2 {
		return m, errors.New("no attributes: no digest")
	}
	attrs, err := elements(parts[1].Bytes)
	if err != nil {
		return m, fmt.Errorf("attributes: %w", err)
	}
	for _, a := range attrs {
		var at attribute
		if _, err := asn1.Unmarshal(a.FullBytes, &at); err != nil {
			return m, fmt.Errorf("attribute: %w", err)
		}
		vals, err := elements(at.Values.Bytes)
		if err != nil || len(vals) == 0 {
			continue
		}
		switch {
		case at.Type.Equal(authenticode.OIDIndirectData):
			ind, err := authenticode.ParseIndirect(vals[0].FullBytes)
			if err != nil {
				return m, err
			}
			m.Hash, m.Alg, m.Digest = ind.Hash, ind.Alg, ind.Digest
		case at.Type.Equal(OIDCatalogNameVal):
			var nv struct {
				Tag   asn1.RawValue // BMPString
				Flags int
				Value []byte
			}
			if _, err := asn1.Unmarshal(vals[0].FullBytes, &nv); err == nil && strings.EqualFold(bmp(nv.Tag.Bytes, true), "File") {
				m.File = bmp(nv.Value, false)
			}
		}
	}
	if len(m.Digest) == 0 {
		return m, fmt.Errorf("%s: no SpcIndirectDataContent digest", m.Tag)
	}
	return m, nil
}

// elements splits the content of a constructed value into its elements.
func elements(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		var err error
		if b, err = asn1.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func hasOID(list []asn1.ObjectIdentifier, want asn1.ObjectIdentifier) bool {
	for _, o := range list {
		if o.Equal(want) {
			return true
		}
	}
	return false
}

// tagString returns a subject identifier as text: makecat writes the
// member tag (usually the digest in hex) as NUL-terminated UTF-16LE.
func tagString(b []byte) string {
	if s := bmp(b, false); s != "" && printable(s) {
		return s
	}
	return hex.EncodeToString(b)
}

// bmp decodes UTF-16 (big-endian for a BMPString, little-endian in
// catalog values) up to the first NUL.
func bmp(b []byte, bigEndian bool) string {
	if len(b)%2 != 0 {
		return ""
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		var c uint16
		if bigEndian {
			c = binary.BigEndian.Uint16(b[i:])
		} else {
			c = binary.LittleEndian.Uint16(b[i:])
		}
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}
