package yara

import (
	"crypto/sha1"
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Authenticode signatures as yara 4.2's pe module (built with OpenSSL,
// as Debian's is) reports them: pe_parse_certificates walks the
// security directory's WIN_CERTIFICATE entries, and _parse_pkcs7 lists,
// for each PKCS#7 SignedData, the certificates of its signers
// (PKCS7_get0_signers: each signer's issuer and serial looked up among
// the SignedData's certificates; none listed when one is missing), then
// the nested signatures (1.3.6.1.4.1.311.2.4.1) in the first signer's
// unsigned attributes, up to 16 in all. Nothing is verified, as in yara.
//
// The reader is this package's own: internal/collect/codesign/cms is
// the project's CMS reader, but internal/intel may not import
// internal/collect (internal/deptest), and that direction is right: rule
// evaluation sits below the collectors that feed it. What yara reports
// needs only the DER outline (names, serial, validity, algorithm), which
// is read here with cryptobyte, tolerating what Go's x509 refuses (a
// negative serial number, which real signing certificates have).

const peMaxCerts = 16 // yara's MAX_PE_CERTS

type peSignature struct {
	thumbprint, issuer, subject string
	version                     int64
	algorithm, algorithmOID     string
	serial                      string
	hasSerial                   bool
	notBefore, notAfter         int64
	hasNotBefore, hasNotAfter   bool
}

var oidNestedSignature = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}
var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// signatures is pe_parse_certificates.
func (r *peReader) signatures(p *peParsed) {
	dir, ok := r.directory(4)
	if !ok {
		return
	}
	p.hasSecurityDir = true
	va, size := r.u32(dir), r.u32(dir+4)
	if va == 0 || va > r.size() || size > r.size() || (va+size)&0xffffffff > r.size() {
		return
	}
	eod := va + size
	wc := va
	for r.fits(wc, 8) && r.u32(wc) > 8 && r.fits(wc, r.u32(wc)) && wc+8 < eod && wc+r.u32(wc) <= eod {
		length, rev, typ := r.u32(wc), r.u16(wc+4), r.u16(wc+6)
		if rev != 0x100 && rev != 0x200 {
			break
		}
		end := wc + length
		if rev == 0x200 && typ == 2 {
			b := r.d[wc+8 : end]
			for len(b) > 0 && len(p.signatures) < peMaxCerts {
				var obj cryptobyte.String
				in := cryptobyte.String(b)
				if !in.ReadASN1Element(&obj, cbasn1.SEQUENCE) {
					break
				}
				b = in
				if !parsePKCS7(obj, p, 0) {
					break
				}
			}
		}
		wc = (end + 7) &^ 7
	}
}

// parsePKCS7 is d2i_PKCS7 and _parse_pkcs7 over one ContentInfo; false
// when it is not a PKCS#7 structure OpenSSL would read.
func parsePKCS7(ci cryptobyte.String, p *peParsed, depth int) bool {
	if !d2iPKCS7(ci) {
		return false
	}
	var seq, content cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !ci.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return false
	}
	if !oid.Equal(oidSignedData) {
		// d2i_PKCS7 reads other content types; get0_signers lists none.
		return true
	}
	var sd cryptobyte.String
	if !seq.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return false
	}
	var version int64
	var digests, inner, signerSet cryptobyte.String
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digests, cbasn1.SET) ||
		!sd.ReadASN1(&inner, cbasn1.SEQUENCE) {
		return false
	}
	var certs []cryptobyte.String
	var certSet cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certSet, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return false
	}
	for !certSet.Empty() {
		var c cryptobyte.String
		if !certSet.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return false
		}
		certs = append(certs, c)
	}
	var crls cryptobyte.String
	if !sd.ReadOptionalASN1(&crls, nil, cbasn1.Tag(1).Constructed().ContextSpecific()) ||
		!sd.ReadASN1(&signerSet, cbasn1.SET) {
		return false
	}
	type signer struct {
		issuer, serial []byte
		unsigned       cryptobyte.String
	}
	var signers []signer
	for !signerSet.Empty() {
		var si, ias, issuer, serial, alg cryptobyte.String
		var v int64
		if !signerSet.ReadASN1(&si, cbasn1.SEQUENCE) || !si.ReadASN1Integer(&v) ||
			!si.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1(&serial, cbasn1.INTEGER) || !si.ReadASN1(&alg, cbasn1.SEQUENCE) {
			return false
		}
		var auth, unauth, digest cryptobyte.String
		if !si.ReadOptionalASN1(&auth, nil, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
			!si.ReadASN1(&alg, cbasn1.SEQUENCE) || !si.ReadASN1(&digest, cbasn1.OCTET_STRING) ||
			!si.ReadOptionalASN1(&unauth, nil, cbasn1.Tag(1).Constructed().ContextSpecific()) {
			return false
		}
		signers = append(signers, signer{issuer: issuer, serial: serial, unsigned: unauth})
	}
	if len(signers) == 0 {
		return true
	}
	// PKCS7_get0_signers: every signer's certificate, or none at all.
	var found []*peCert
	for _, s := range signers {
		var hit *peCert
		for _, c := range certs {
			if pc := readCert(c); pc != nil && string(pc.issuerDER) == string(s.issuer) &&
				string(pc.serial) == string(s.serial) {
				hit = pc
				break
			}
		}
		if hit == nil {
			found = nil
			break
		}
		found = append(found, hit)
	}
	for _, c := range found {
		if len(p.signatures) >= peMaxCerts {
			break
		}
		p.signatures = append(p.signatures, c.signature())
	}
	if found == nil || depth > 8 {
		return true
	}
	// Nested signatures in the first signer's unsigned attributes.
	attrs := signers[0].unsigned
	for !attrs.Empty() {
		var a, vals cryptobyte.String
		var aoid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&aoid) ||
			!a.ReadASN1(&vals, cbasn1.SET) {
			break
		}
		if !aoid.Equal(oidNestedSignature) {
			continue
		}
		for j := 0; j < peMaxCerts && !vals.Empty(); j++ {
			var v cryptobyte.String
			if !vals.ReadASN1Element(&v, cbasn1.SEQUENCE) {
				break
			}
			if len(p.signatures) < peMaxCerts {
				parsePKCS7(v, p, depth+1)
			}
		}
		break
	}
	return true
}

// peCert is the outline of an X.509 certificate yara reports.
type peCert struct {
	der                       []byte
	version                   int64
	serial                    []byte // the INTEGER's content octets
	issuerDER, subjectDER     []byte
	notBefore, notAfter       int64
	hasNotBefore, hasNotAfter bool
	sigAlg                    asn1.ObjectIdentifier
}

func readCert(der cryptobyte.String) *peCert {
	c := &peCert{der: der}
	in := der
	var cert, tbs, sigAlg, serial, validity, alg cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&c.sigAlg) {
		return nil
	}
	var ver cryptobyte.String
	var hasVer bool
	if !tbs.ReadOptionalASN1(&ver, &hasVer, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil
	}
	if hasVer && !ver.ReadASN1Integer(&c.version) {
		return nil
	}
	var issuer, subject cryptobyte.String
	if !tbs.ReadASN1(&serial, cbasn1.INTEGER) || !tbs.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return nil
	}
	c.serial, c.issuerDER, c.subjectDER = serial, issuer, subject
	c.notBefore, c.hasNotBefore = readTime(&validity)
	c.notAfter, c.hasNotAfter = readTime(&validity)
	return c
}

// readTime is yara's ASN1_get_time_t: the digits read as (c - '0'),
// c a signed char, with no check (a damaged time still gives a number), the two-digit
// UTCTime year taken as 1970..2069, the zone ignored, and the fields
// normalised as timegm does. Bytes past the end read as NUL (OpenSSL
// ends its strings with one).
func readTime(s *cryptobyte.String) (int64, bool) {
	var v cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&v, &tag) || tag != cbasn1.UTCTime && tag != cbasn1.GeneralizedTime {
		return 0, false
	}
	i := 0
	next := func() int {
		c := 0
		if i < len(v) {
			c = int(int8(v[i])) // C's char is signed on yara's x86 build
		}
		i++
		return c - '0'
	}
	two := func() int { a := next(); return a*10 + next() }
	var year int
	if tag == cbasn1.UTCTime {
		if year = two(); year < 70 {
			year += 100
		}
		year += 1900
	} else {
		year = two()*100 + two()
	}
	mon := two() - 1
	day := two()
	hour := two()
	mnt := two()
	sec := two()
	return time.Date(year, time.Month(mon+1), day, hour, mnt, sec, 0, time.UTC).Unix(), true
}

func (c *peCert) signature() peSignature {
	sum := sha1.Sum(c.der)
	s := peSignature{thumbprint: hex.EncodeToString(sum[:]), issuer: nameOneline(c.issuerDER),
		subject: nameOneline(c.subjectDER), version: c.version + 1,
		notBefore: c.notBefore, notAfter: c.notAfter, hasNotBefore: c.hasNotBefore, hasNotAfter: c.hasNotAfter}
	s.algorithm, s.algorithmOID = sigAlgName(c.sigAlg)
	if n := len(c.serial); n >= 1 && n <= 20 {
		parts := make([]string, n)
		for i, b := range c.serial {
			parts[i] = hex.EncodeToString([]byte{b})
		}
		s.serial, s.hasSerial = strings.Join(parts, ":"), true
	}
	return s
}

// nameOneline is OpenSSL's X509_NAME_oneline into yara's 256-byte
// buffer: "/SN=value" per attribute, bytes outside printable ASCII as
// \xHH, attributes that would overflow the buffer left out.
func nameOneline(der []byte) string {
	in := cryptobyte.String(der)
	var rdns cryptobyte.String
	if !in.ReadASN1(&rdns, cbasn1.SEQUENCE) {
		return ""
	}
	var b strings.Builder
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			break
		}
		for !set.Empty() {
			var atv cryptobyte.String
			var oid asn1.ObjectIdentifier
			var val cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) ||
				!atv.ReadAnyASN1(&val, &tag) {
				return b.String()
			}
			q := []byte(val)
			// A GeneralString of 4-byte units with only the last byte
			// set is read one byte per unit (gs_doit).
			step, first := 1, 0
			if tag == 27 && len(q)%4 == 0 {
				wide := true
				for j, c := range q {
					if c != 0 && j&3 != 3 {
						wide = false
					}
				}
				if wide {
					step, first = 4, 3
				}
			}
			var e strings.Builder
			e.WriteByte('/')
			e.WriteString(attrShortName(oid))
			e.WriteByte('=')
			for j := first; j < len(q); j += step {
				if c := q[j]; c < ' ' || c > '~' {
					e.WriteString("\\x")
					e.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
				} else {
					e.WriteByte(c)
				}
			}
			if b.Len()+e.Len() > 255 {
				return b.String()
			}
			b.WriteString(e.String())
		}
	}
	return b.String()
}

// attrShortNames are OpenSSL's short names of the attribute types found
// in certificate names; others print as their dotted OID.
var attrShortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
	"2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title", "2.5.4.13": "description",
	"2.5.4.15": "businessCategory", "2.5.4.17": "postalCode", "2.5.4.41": "name", "2.5.4.42": "GN",
	"2.5.4.43": "initials", "2.5.4.44": "generationQualifier", "2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym",
	"2.5.4.97": "organizationIdentifier", "1.2.840.113549.1.9.1": "emailAddress",
	"0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
	"1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}

func attrShortName(oid asn1.ObjectIdentifier) string {
	if s, ok := attrShortNames[oid.String()]; ok {
		return s
	}
	return oid.String()
}

// sigAlgNames are OpenSSL's long names of the signature algorithms
// certificates use (checked with openssl list / obj_mac.h); an OID not
// listed gives "undefined" as yara gives for one OpenSSL does not know,
// so a known but unlisted OID differs from yara (reported there by its
// long name).
var sigAlgNames = map[string]string{
	"1.2.840.113549.1.1.2": "md2WithRSAEncryption", "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
	"1.2.840.113549.1.1.5": "sha1WithRSAEncryption", "1.2.840.113549.1.1.10": "rsassaPss",
	"1.2.840.113549.1.1.11": "sha256WithRSAEncryption", "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
	"1.2.840.113549.1.1.13": "sha512WithRSAEncryption", "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
	"1.2.840.10045.4.1": "ecdsa-with-SHA1", "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
	"1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
	"1.2.840.10045.4.3.4": "ecdsa-with-SHA512", "1.2.840.10040.4.3": "dsaWithSHA1",
	"2.16.840.1.101.3.4.3.2": "dsa_with_SHA256", "1.3.14.3.2.29": "sha1WithRSA", "1.3.101.112": "ED25519",
	"1.3.101.113": "ED448", "1.2.840.113549.1.1.1": "rsaEncryption", "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
	"1.3.14.3.2.3": "md5WithRSA", "1.3.14.3.2.15": "shaWithRSAEncryption", "1.3.14.3.2.27": "dsaWithSHA1-old",
	"2.16.840.1.101.3.4.3.1": "dsa_with_SHA224", "1.2.840.113549.1.1.15": "sha512-224WithRSAEncryption",
	"1.2.840.113549.1.1.16": "sha512-256WithRSAEncryption", "2.16.840.1.101.3.4.3.13": "RSA-SHA3-224",
	"2.16.840.1.101.3.4.3.14": "RSA-SHA3-256", "2.16.840.1.101.3.4.3.15": "RSA-SHA3-384",
	"2.16.840.1.101.3.4.3.16": "RSA-SHA3-512",
}

// sigAlgName is OBJ_nid2ln and OBJ_obj2txt of the certificate's
// signature algorithm; an algorithm OpenSSL has no NID for is NID_undef:
// "undefined" with an empty OID (OBJ_obj2txt of NID_undef's object).
func sigAlgName(oid asn1.ObjectIdentifier) (string, string) {
	if s, ok := sigAlgNames[oid.String()]; ok {
		return s, oid.String()
	}
	return "undefined", ""
}
