package yara

import (
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// d2iPKCS7 is whether OpenSSL's d2i_PKCS7 would decode der: yara lists a
// signature only when the whole PKCS#7 structure decodes, so a damaged
// byte anywhere in it (a certificate extension's tag, a signed
// attribute's length) hides every signature of that structure. The
// check follows OpenSSL's templates for ContentInfo, SignedData, X509,
// X509_NAME, PKCS7_SIGNER_INFO and X509_ATTRIBUTE, and the content
// checks OpenSSL's c2i functions make on primitives (INTEGER, OBJECT,
// BOOLEAN, NULL, BIT STRING). An ANY is one well-formed element whose
// constructed content is not looked into, as in OpenSSL. It reads DER
// only: a BER-only form (indefinite or long-form short lengths) that
// OpenSSL would accept is refused here; Authenticode signatures are DER.
func d2iPKCS7(der []byte) bool {
	s := cryptobyte.String(der)
	return derContentInfo(&s, 0) && s.Empty()
}

// derContentInfo is PKCS7: SEQUENCE { OID, [0] EXPLICIT content OPTIONAL }.
func derContentInfo(s *cryptobyte.String, depth int) bool {
	var seq cryptobyte.String
	if depth > 4 || !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return false
	}
	var oid cryptobyte.String
	if !seq.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !derOID(oid) {
		return false
	}
	if seq.Empty() {
		return true
	}
	var content cryptobyte.String
	if !seq.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) || !seq.Empty() {
		return false
	}
	if string(oid) != "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" { // signedData
		return derAny(&content) && content.Empty()
	}
	return derSignedData(&content, depth) && content.Empty()
}

func derSignedData(s *cryptobyte.String, depth int) bool {
	var sd, set cryptobyte.String
	if !s.ReadASN1(&sd, cbasn1.SEQUENCE) || !derInteger(&sd) || !sd.ReadASN1(&set, cbasn1.SET) ||
		!derSetOf(set, derAlgID) || !derContentInfo(&sd, depth+1) {
		return false
	}
	var certs, crls cryptobyte.String
	var has bool
	if !sd.ReadOptionalASN1(&certs, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		has && !derSetOf(certs, derCertificate) {
		return false
	}
	if !sd.ReadOptionalASN1(&crls, &has, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		has && !derSetOf(crls, derSequenceAny) {
		return false
	}
	return sd.ReadASN1(&set, cbasn1.SET) && derSetOf(set, derSignerInfo) && sd.Empty()
}

// derSetOf reads every element of a SET OF (or SEQUENCE OF) content.
func derSetOf(s cryptobyte.String, elem func(*cryptobyte.String) bool) bool {
	for n := 0; !s.Empty(); n++ {
		if n > 1<<16 || !elem(&s) {
			return false
		}
	}
	return true
}

func derAlgID(s *cryptobyte.String) bool {
	var seq, oid cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !derOID(oid) {
		return false
	}
	return seq.Empty() || derAny(&seq) && seq.Empty()
}

func derCertificate(s *cryptobyte.String) bool {
	var c, tbs cryptobyte.String
	if !s.ReadASN1(&c, cbasn1.SEQUENCE) || !c.ReadASN1(&tbs, cbasn1.SEQUENCE) || !derAlgID(&c) ||
		!derBitString(&c) || !c.Empty() {
		return false
	}
	var ver, validity, spki cryptobyte.String
	var has bool
	if !tbs.ReadOptionalASN1(&ver, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		has && (!derInteger(&ver) || !ver.Empty()) {
		return false
	}
	if !derInteger(&tbs) || !derAlgID(&tbs) || !derName(&tbs) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!derTime(&validity) || !derTime(&validity) || !validity.Empty() || !derName(&tbs) ||
		!tbs.ReadASN1(&spki, cbasn1.SEQUENCE) || !derAlgID(&spki) || !derBitString(&spki) || !spki.Empty() {
		return false
	}
	for _, tag := range []cbasn1.Tag{cbasn1.Tag(1).ContextSpecific(), cbasn1.Tag(2).ContextSpecific()} {
		var uid cryptobyte.String
		if !tbs.ReadOptionalASN1(&uid, &has, tag) || has && !derBitStringContent(uid) {
			return false
		}
	}
	var exts cryptobyte.String
	if !tbs.ReadOptionalASN1(&exts, &has, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return false
	}
	if has {
		var seq cryptobyte.String
		if !exts.ReadASN1(&seq, cbasn1.SEQUENCE) || !exts.Empty() || !derSetOf(seq, derExtension) {
			return false
		}
	}
	return tbs.Empty()
}

func derExtension(s *cryptobyte.String) bool {
	var e, oid, b, v cryptobyte.String
	if !s.ReadASN1(&e, cbasn1.SEQUENCE) || !e.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !derOID(oid) {
		return false
	}
	if e.PeekASN1Tag(cbasn1.BOOLEAN) && (!e.ReadASN1(&b, cbasn1.BOOLEAN) || len(b) != 1) {
		return false
	}
	return e.ReadASN1(&v, cbasn1.OCTET_STRING) && e.Empty()
}

// derName is X509_NAME: SEQUENCE OF SET OF SEQUENCE { OID, string }.
func derName(s *cryptobyte.String) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return false
	}
	return derSetOf(seq, func(s *cryptobyte.String) bool {
		var set cryptobyte.String
		return s.ReadASN1(&set, cbasn1.SET) && derSetOf(set, func(s *cryptobyte.String) bool {
			var atv, oid, val cryptobyte.String
			var tag cbasn1.Tag
			return s.ReadASN1(&atv, cbasn1.SEQUENCE) && atv.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) &&
				derOID(oid) && atv.ReadAnyASN1(&val, &tag) && atv.Empty() && derNameString(tag, val)
		})
	})
}

// derNameString is X509_NAME_ENTRY's ASN1_PRINTABLE (B_ASN1_PRINTABLE:
// Numeric, Printable, T61, IA5, BIT STRING, Universal, BMP, UTF8String,
// SEQUENCE and the tags OpenSSL maps to B_ASN1_UNKNOWN), with the UTF-8
// conversion X509_NAME's canonical form makes (a BMPString of odd
// length, a UniversalString not of 4-byte units, bad UTF-8 fail).
func derNameString(tag cbasn1.Tag, v []byte) bool {
	switch tag {
	case 18, 19, 20, 22, 7, 8, 9, 10, 11, 13, 14, 15, 29, cbasn1.SEQUENCE:
		return true
	case cbasn1.BIT_STRING:
		return derBitStringContent(v)
	case cbasn1.UTF8String:
		return utf8.Valid(v)
	case 30: // BMPString
		return len(v)%2 == 0
	case 28: // UniversalString
		return len(v)%4 == 0
	}
	return false
}

func derTime(s *cryptobyte.String) bool {
	var t cryptobyte.String
	return s.ReadASN1(&t, cbasn1.UTCTime) || s.ReadASN1(&t, cbasn1.GeneralizedTime)
}

func derSignerInfo(s *cryptobyte.String) bool {
	var si, ias cryptobyte.String
	if !s.ReadASN1(&si, cbasn1.SEQUENCE) || !derInteger(&si) || !si.ReadASN1(&ias, cbasn1.SEQUENCE) ||
		!derName(&ias) || !derInteger(&ias) || !ias.Empty() || !derAlgID(&si) {
		return false
	}
	var attrs, digest cryptobyte.String
	var has bool
	if !si.ReadOptionalASN1(&attrs, &has, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		has && !derSetOf(attrs, derAttribute) {
		return false
	}
	if !derAlgID(&si) || !si.ReadASN1(&digest, cbasn1.OCTET_STRING) {
		return false
	}
	if !si.ReadOptionalASN1(&attrs, &has, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		has && !derSetOf(attrs, derAttribute) {
		return false
	}
	return si.Empty()
}

// derAttribute is X509_ATTRIBUTE: SEQUENCE { OID, SET OF ANY }.
func derAttribute(s *cryptobyte.String) bool {
	var a, oid, set cryptobyte.String
	return s.ReadASN1(&a, cbasn1.SEQUENCE) && a.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) && derOID(oid) &&
		a.ReadASN1(&set, cbasn1.SET) && a.Empty() && derSetOf(set, derAny)
}

func derSequenceAny(s *cryptobyte.String) bool {
	var seq cryptobyte.String
	return s.ReadASN1(&seq, cbasn1.SEQUENCE)
}

// derAny is ASN1_ANY: one element; a universal primitive's content is
// checked as its type's c2i function checks it.
func derAny(s *cryptobyte.String) bool {
	var v cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&v, &tag) {
		return false
	}
	// asn1_d2i_ex_primitive: a universal SEQUENCE or SET must be
	// constructed; NULL, BOOLEAN, OBJECT, INTEGER, ENUMERATED primitive.
	if tag&0xc0 == 0 && tag&0x20 != 0 {
		switch tag &^ 0x20 {
		case 1, 2, 5, 6, 10:
			return false
		}
	}
	switch tag {
	case 16, 17: // primitive SEQUENCE, SET
		return false
	case cbasn1.BOOLEAN:
		return len(v) == 1
	case 5: // NULL
		return len(v) == 0
	case cbasn1.OBJECT_IDENTIFIER:
		return derOID(v)
	case cbasn1.INTEGER, cbasn1.ENUM:
		return derIntegerContent(v)
	case cbasn1.BIT_STRING:
		return derBitStringContent(v)
	}
	return true
}

func derInteger(s *cryptobyte.String) bool {
	var v cryptobyte.String
	return s.ReadASN1(&v, cbasn1.INTEGER) && derIntegerContent(v)
}

// derIntegerContent is c2i_ASN1_INTEGER's checks: not empty, no
// redundant leading 0x00 or 0xff.
func derIntegerContent(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	if len(v) > 1 && (v[0] == 0 && v[1]&0x80 == 0 || v[0] == 0xff && v[1]&0x80 != 0) {
		// OpenSSL accepts 0xff followed only by zero bytes (the
		// two's complement of a power of 256).
		if v[0] == 0xff {
			for _, b := range v[1:] {
				if b != 0 {
					return false
				}
			}
			return true
		}
		return false
	}
	return true
}

func derBitString(s *cryptobyte.String) bool {
	var v cryptobyte.String
	return s.ReadASN1(&v, cbasn1.BIT_STRING) && derBitStringContent(v)
}

// derBitStringContent is c2i_ASN1_BIT_STRING's: an unused-bits octet of
// at most 7.
func derBitStringContent(v []byte) bool {
	return len(v) >= 1 && v[0] <= 7
}

// derOID is c2i_ASN1_OBJECT's check: not empty, no subidentifier
// starting with 0x80, the last octet ending a subidentifier.
func derOID(v []byte) bool {
	if len(v) == 0 || v[len(v)-1]&0x80 != 0 {
		return false
	}
	for i, b := range v {
		if b == 0x80 && (i == 0 || v[i-1]&0x80 == 0) {
			return false
		}
	}
	return true
}
