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
	"bytes"
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
	OIDCatalogList = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 1} // subject usage of a catalog
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
	// Problems are members that could not be read (the first ten, and
	// how many more); the rest stand.
	Problems []string
	// Anomalies are what the catalog's signature shows, such as a
	// certificate with explicit EC curve parameters.
	Anomalies    []snapshot.Anomaly
	moreProblems int

	parsed *authenticode.Parsed
}

// Member is one listed file.
type Member struct {
	// Tag is the subject identifier, set for a member without a File
	// name (or in an error about it): the hex digest tag makecat writes
	// (UTF-16 in the file), or the identifier's bytes in hex.
	Tag string
	// File is the CAT_NAMEVALUE "File" value, when present.
	File string
	// Hash and Digest are the member's Authenticode digest; Hash is 0
	// for an algorithm cascade does not know.
	Hash   crypto.Hash
	Digest []byte
	// ByTag is set when the member has no SpcIndirectDataContent but a
	// CAT_MEMBERINFO2, and its digest is its tag, by which Windows looks
	// members up.
	ByTag bool
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
	c := &Catalog{Sig: p.Sig, Anomalies: p.Anomalies, parsed: p}
	if err := c.readCTL(ctl, maxMembers); err != nil {
		return nil, err
	}
	if c.moreProblems > 0 {
		c.Problems = append(c.Problems, fmt.Sprintf("and %d more", c.moreProblems))
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
	d := der(b)
	for n := 0; len(d) > 0; n++ {
		if n >= maxMembers {
			c.problem(fmt.Sprintf("more than %d members: the rest were not read", maxMembers))
			return nil
		}
		tag, body, _, err := d.next()
		if err != nil {
			return fmt.Errorf("catalog member %d: %w", n, err)
		}
		if tag != tagSequence {
			c.problem(fmt.Sprintf("member %d: not a trusted subject", n))
			continue
		}
		m, err := readMember(body)
		if err != nil {
			c.problem(fmt.Sprintf("member %d: %v", n, err))
			continue
		}
		c.Members = append(c.Members, m)
	}
	return nil
}

// maxProblems caps the problems kept for one catalog; the rest are
// counted.
const maxProblems = 10

func (c *Catalog) problem(msg string) {
	if len(c.Problems) < maxProblems {
		c.Problems = append(c.Problems, msg)
		return
	}
	c.moreProblems++
}

// readMember reads one trusted subject's content: its identifier, its
// SpcIndirectDataContent digest and its CAT_NAMEVALUE "File" name.
func readMember(body []byte) (Member, error) {
	var m Member
	s := der(body)
	id, err := s.expect(tagOctetString)
	if err != nil {
		return m, errors.New("not a trusted subject")
	}
	attrs, err := s.expect(tagSet)
	if err != nil {
		return m, fmt.Errorf("%s: no attributes: no digest", tagString(id))
	}
	info2 := false
	for a := der(attrs); len(a) > 0; {
		body, err := a.expect(tagSequence)
		if err != nil {
			return m, fmt.Errorf("attribute: %w", err)
		}
		at := der(body)
		oid, err := at.expect(tagOID)
		if err != nil {
			return m, fmt.Errorf("attribute: %w", err)
		}
		vals, err := at.expect(tagSet)
		if err != nil {
			return m, fmt.Errorf("attribute values: %w", err)
		}
		if bytes.Equal(oid, oidMemberInfo2) {
			info2 = true
		}
		v := der(vals)
		_, _, first, err := v.next()
		if err != nil {
			continue // no value
		}
		switch {
		case bytes.Equal(oid, oidIndirectData):
			if m.Hash, m.Digest, err = indirectDigest(first); err != nil {
				return m, fmt.Errorf("SpcIndirectDataContent: %w", err)
			}
		case bytes.Equal(oid, oidNameValue):
			if name, ok := fileName(first); ok {
				m.File = name
			}
		}
	}
	if len(m.Digest) == 0 {
		// Windows finds a member by its tag, the digest: a member with
		// CAT_MEMBERINFO2 and no SpcIndirectDataContent (the SHA-1 twin
		// of each SHA-256 member in Microsoft's catalogs) is listed by
		// its tag alone.
		var ok bool
		if info2 {
			m.Hash, m.Digest, ok = tagDigest(tagString(id))
		}
		if !ok {
			return m, fmt.Errorf("%s: no SpcIndirectDataContent digest", tagString(id))
		}
		m.ByTag = true
	}
	if m.File == "" {
		m.Tag = tagString(id)
	}
	return m, nil
}

// tagDigest reads a member tag (as tagString shows it: raw bytes in hex,
// or makecat's UTF-16 hex text) that is a SHA-1 or SHA-256 digest.
func tagDigest(tag string) (crypto.Hash, []byte, bool) {
	var h crypto.Hash
	switch len(tag) {
	case 2 * crypto.SHA1.Size():
		h = crypto.SHA1
	case 2 * crypto.SHA256.Size():
		h = crypto.SHA256
	default:
		return 0, nil, false
	}
	d, err := hex.DecodeString(tag)
	if err != nil {
		return 0, nil, false
	}
	return h, d, true
}

// fileName reads a CAT_NAMEVALUE { BMPString tag, INTEGER flags, OCTET
// STRING value (UTF-16LE) } and returns the value of the "File" tag.
func fileName(b []byte) (string, bool) {
	d := der(b)
	body, err := d.expect(tagSequence)
	if err != nil {
		return "", false
	}
	nv := der(body)
	tag, err := nv.expect(tagBMPString)
	if err != nil || !strings.EqualFold(bmp(tag, true), "File") {
		return "", false
	}
	if _, err := nv.expect(tagInteger); err != nil {
		return "", false
	}
	value, err := nv.expect(tagOctetString)
	if err != nil {
		return "", false
	}
	return bmp(value, false), true
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
