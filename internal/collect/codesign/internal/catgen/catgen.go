// Package catgen writes signed Windows catalogs (.cat) for tests and
// fixtures, laid out as makecat writes them: a SignedData whose content is
// a certificate trust list with subject usage szOID_CATALOG_LIST, a list
// identifier, a UTCTime, the member algorithm, and one trusted subject per
// member carrying its digest tag (UTF-16LE hex), a CAT_NAMEVALUE "File"
// name, a CAT_MEMBERINFO and the SpcIndirectDataContent digest (or, for a
// TagOnly member, the binary digest and a CAT_MEMBERINFO2 only). It is
// test-only: nothing in cascade imports it.
package catgen

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/cmsbuild"
)

var (
	oidCTL           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 1}
	oidCatalogList   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 1}
	oidMemberSHA1    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 2}
	oidMemberSHA256  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 1, 3}
	oidNameValue     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 2, 1}
	oidMemberInfo    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 2, 2}
	oidMemberInfo2   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 12, 2, 3}
	oidIndirectData  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidPEImageData   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 15}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	peSubjectPackage = "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}" // the PE subject interface package
)

// Member is one listed file: its name and Authenticode image digest.
type Member struct {
	File   string
	Digest []byte
	// TagOnly writes the member as Microsoft's catalogs write the SHA-1
	// twin of a SHA-256 member: the binary digest as its tag and a
	// CAT_MEMBERINFO2 attribute, no name and no SpcIndirectDataContent.
	// Digest may then be SHA-1 in a SHA-256 list; File is not written.
	TagOnly bool
}

// Options say who signs and how members are keyed.
type Options struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate
	// SHA256 keys members by SHA-256 (catalog list member v2), else SHA-1.
	SHA256     bool
	ListID     []byte
	ThisUpdate time.Time
}

type ctl struct {
	Usage      []asn1.ObjectIdentifier
	ListID     []byte
	ThisUpdate time.Time `asn1:"utc"`
	Alg        pkix.AlgorithmIdentifier
	Members    []subject
}

type subject struct {
	Tag   []byte
	Attrs []attribute `asn1:"set"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type nameValue struct {
	Tag   asn1.RawValue
	Flags int
	Value []byte
}

type memberInfo struct {
	GUID    asn1.RawValue
	Version int
}

type indirect struct {
	Data struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	Digest struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}
}

// Build returns the DER of a catalog listing members, signed by o.Cert.
func Build(members []Member, o Options) ([]byte, error) {
	alg, digestOID, hash := oidMemberSHA1, oidSHA1, crypto.SHA1
	if o.SHA256 {
		alg, digestOID, hash = oidMemberSHA256, oidSHA256, crypto.SHA256
	}
	c := ctl{Usage: []asn1.ObjectIdentifier{oidCatalogList}, ListID: o.ListID, ThisUpdate: o.ThisUpdate.UTC(),
		Alg: pkix.AlgorithmIdentifier{Algorithm: alg, Parameters: asn1.NullRawValue}}
	for _, m := range members {
		if m.TagOnly {
			c.Members = append(c.Members, tagOnly(m))
			continue
		}
		if len(m.Digest) != hash.Size() {
			return nil, fmt.Errorf("%s: a %d-byte digest for %v members", m.File, len(m.Digest), hash)
		}
		s, err := member(m, digestOID)
		if err != nil {
			return nil, err
		}
		c.Members = append(c.Members, s)
	}
	content, err := asn1.Marshal(c)
	if err != nil {
		return nil, err
	}
	sd, err := cmsbuild.New(oidCTL, content)
	if err != nil {
		return nil, err
	}
	if _, err := sd.AddSigner(o.Key, o.Cert, crypto.SHA256, nil, o.Chain...); err != nil {
		return nil, err
	}
	return sd.Marshal(), nil
}

func member(m Member, digestOID asn1.ObjectIdentifier) (subject, error) {
	var ind indirect
	ind.Data.Type = oidPEImageData
	ind.Data.Value = asn1.RawValue{FullBytes: peImageData()}
	ind.Digest.Alg = pkix.AlgorithmIdentifier{Algorithm: digestOID, Parameters: asn1.NullRawValue}
	ind.Digest.Digest = m.Digest
	nv := nameValue{Tag: bmpString("File"), Flags: 0x10010001, Value: utf16le(m.File + "\x00")}
	mi := memberInfo{GUID: bmpString(peSubjectPackage), Version: 512}
	var attrs []attribute
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v   any
	}{{oidNameValue, nv}, {oidMemberInfo, mi}, {oidIndirectData, ind}} {
		der, err := asn1.Marshal(a.v)
		if err != nil {
			return subject{}, err
		}
		attrs = append(attrs, attribute{Type: a.oid, Values: []asn1.RawValue{{FullBytes: der}}})
	}
	tag := strings.ToUpper(fmt.Sprintf("%x", m.Digest))
	return subject{Tag: utf16le(tag + "\x00"), Attrs: attrs}, nil
}

// tagOnly is a member known by its binary digest tag alone, with an empty
// CAT_MEMBERINFO2 ([0] { }), as in Microsoft's catalogs.
func tagOnly(m Member) subject {
	info := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: []byte{}}
	return subject{Tag: m.Digest, Attrs: []attribute{{Type: oidMemberInfo2, Values: []asn1.RawValue{info}}}}
}

// peImageData is SpcPeImageData as signing tools write it: no flags, and
// the file link [0] { file [2] { unicode [0] "<<<Obsolete>>>" } }.
func peImageData() []byte {
	name := bmpString("<<<Obsolete>>>").Bytes
	b := append([]byte{0x80, byte(len(name))}, name...)
	b = append([]byte{0xa2, byte(len(b))}, b...)
	b = append([]byte{0xa0, byte(len(b))}, b...)
	b = append([]byte{0x03, 0x01, 0x00}, b...)
	return append([]byte{0x30, byte(len(b))}, b...)
}

func bmpString(s string) asn1.RawValue {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, u)
	}
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: 30, Bytes: b}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}
