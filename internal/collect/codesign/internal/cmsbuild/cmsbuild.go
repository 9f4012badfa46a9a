// Package cmsbuild writes CMS SignedData (RFC 5652) in DER with
// cryptobyte, for tests and fixtures: Authenticode blobs, catalogs, Apple
// detached signatures and countersignatures. It is test support: nothing in
// cascade's binaries imports it. What it writes is checked against openssl
// in cms's tests, so the parser is not only checked against this writer.
package cmsbuild

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers the builder writes.
var (
	OIDData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	oidRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSASHA1 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSASHA2 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA3 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA5 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

var digestOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA1:   {1, 3, 14, 3, 2, 26},
	crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
	crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
	crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
}

// Attr is one attribute: its type and the DER of each value.
type Attr struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// SignedData is a SignedData being built. Its fields may be changed before
// Marshal, as tests do to make malformed or tampered signatures.
type SignedData struct {
	// ContentType is eContentType; Content is the DER element placed in
	// eContent, nil for a detached signature.
	ContentType asn1.ObjectIdentifier
	Content     []byte
	Certs       [][]byte
	Signers     []*SignerInfo
	// digested is what a signer's message digest covers.
	digested []byte
}

// SignerInfo is one signer being built.
type SignerInfo struct {
	Issuer      []byte // DER Name
	Serial      *big.Int
	Hash        crypto.Hash
	SignedAttrs [][]byte // DER of each Attribute, in SET order
	SigAlg      asn1.ObjectIdentifier
	Signature   []byte
	Unsigned    []Attr
}

// New starts a SignedData embedding content (a DER element); signers
// digest its contents without the tag and length, as CMS prescribes.
func New(contentType asn1.ObjectIdentifier, content []byte) (*SignedData, error) {
	s := cryptobyte.String(content)
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) || !s.Empty() {
		return nil, fmt.Errorf("cmsbuild: content is not one DER element")
	}
	return &SignedData{ContentType: contentType, Content: content, digested: body}, nil
}

// Detached starts a SignedData over data that is not embedded.
func Detached(contentType asn1.ObjectIdentifier, data []byte) *SignedData {
	return &SignedData{ContentType: contentType, digested: data}
}

// AddSigner signs the content with key and cert (hash 0 means SHA-256),
// with the contentType and messageDigest attributes and extra, and embeds
// cert and chain.
func (sd *SignedData) AddSigner(key crypto.Signer, cert *x509.Certificate, hash crypto.Hash, extra []Attr, chain ...*x509.Certificate) (*SignerInfo, error) {
	ct, err := oid(sd.ContentType)
	if err != nil {
		return nil, err
	}
	attrs := append([]Attr{{Type: OIDContentType, Values: [][]byte{ct}}}, extra...)
	si, err := Sign(key, cert, hash, sd.digested, attrs)
	if err != nil {
		return nil, err
	}
	sd.Signers = append(sd.Signers, si)
	for _, c := range append([]*x509.Certificate{cert}, chain...) {
		if !slices.ContainsFunc(sd.Certs, func(b []byte) bool { return bytes.Equal(b, c.Raw) }) {
			sd.Certs = append(sd.Certs, c.Raw)
		}
	}
	return si, nil
}

// Sign makes a SignerInfo over data with the messageDigest attribute and
// attrs (a countersignature's is made this way over the signature it
// stamps).
func Sign(key crypto.Signer, cert *x509.Certificate, hash crypto.Hash, data []byte, attrs []Attr) (*SignerInfo, error) {
	if hash == 0 {
		hash = crypto.SHA256
	}
	if digestOIDs[hash] == nil {
		return nil, fmt.Errorf("cmsbuild: hash %v unsupported", hash)
	}
	h := hash.New()
	h.Write(data)
	md := OctetString(h.Sum(nil))
	si := &SignerInfo{Issuer: cert.RawIssuer, Serial: cert.SerialNumber, Hash: hash}
	for _, a := range append(attrs, Attr{Type: OIDMessageDigest, Values: [][]byte{md}}) {
		si.SignedAttrs = append(si.SignedAttrs, attribute(a))
	}
	slices.SortFunc(si.SignedAttrs, bytes.Compare) // DER SET OF order
	switch key.Public().(type) {
	case *rsa.PublicKey:
		si.SigAlg = oidRSA
	case *ecdsa.PublicKey:
		si.SigAlg = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidECDSASHA1, crypto.SHA256: oidECDSASHA2,
			crypto.SHA384: oidECDSASHA3, crypto.SHA512: oidECDSASHA5}[hash]
	default:
		return nil, fmt.Errorf("cmsbuild: key type %T unsupported", key.Public())
	}
	h = hash.New()
	h.Write(si.SignedAttrsSET())
	sig, err := key.Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, fmt.Errorf("cmsbuild: signing: %w", err)
	}
	si.Signature = sig
	return si, nil
}

// AddUnsigned appends values to the unsigned attribute of type t, as
// Windows adds nested signatures to one SPC_NESTED_SIGNATURE attribute.
func (si *SignerInfo) AddUnsigned(t asn1.ObjectIdentifier, values ...[]byte) {
	for i := range si.Unsigned {
		if si.Unsigned[i].Type.Equal(t) {
			si.Unsigned[i].Values = append(si.Unsigned[i].Values, values...)
			return
		}
	}
	si.Unsigned = append(si.Unsigned, Attr{Type: t, Values: values})
}

// SignedAttrsSET is the DER SET of the signed attributes the signature covers.
func (si *SignerInfo) SignedAttrsSET() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range si.SignedAttrs {
			b.AddBytes(a)
		}
	})
	return b.BytesOrPanic()
}

// Marshal encodes the SignerInfo.
func (si *SignerInfo) Marshal() []byte {
	var b cryptobyte.Builder
	si.add(&b)
	return b.BytesOrPanic()
}

func (si *SignerInfo) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(si.Issuer)
			b.AddASN1BigInt(si.Serial)
		})
		algorithm(b, digestOIDs[si.Hash], true)
		if si.SignedAttrs != nil {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				for _, a := range si.SignedAttrs {
					b.AddBytes(a)
				}
			})
		}
		algorithm(b, si.SigAlg, si.SigAlg.Equal(oidRSA))
		b.AddASN1OctetString(si.Signature)
		if len(si.Unsigned) > 0 {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				for _, a := range si.Unsigned {
					b.AddBytes(attribute(a))
				}
			})
		}
	})
}

// Marshal encodes the ContentInfo holding the SignedData.
func (sd *SignedData) Marshal() []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					var seen []crypto.Hash
					for _, si := range sd.Signers {
						if !slices.Contains(seen, si.Hash) {
							seen = append(seen, si.Hash)
							algorithm(b, digestOIDs[si.Hash], true)
						}
					}
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(sd.ContentType)
					if sd.Content != nil {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(sd.Content)
						})
					}
				})
				if len(sd.Certs) > 0 {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						for _, c := range sd.Certs {
							b.AddBytes(c)
						}
					})
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					for _, si := range sd.Signers {
						si.add(b)
					}
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func algorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

func attribute(a Attr) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Type)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			for _, v := range a.Values {
				b.AddBytes(v)
			}
		})
	})
	return b.BytesOrPanic()
}

func oid(o asn1.ObjectIdentifier) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1ObjectIdentifier(o)
	return b.Bytes()
}

// OctetString is the DER OCTET STRING holding v.
func OctetString(v []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1OctetString(v)
	return b.BytesOrPanic()
}

// UTCTime is the DER UTCTime of t, as signingTime is written.
func UTCTime(t time.Time) []byte {
	var b cryptobyte.Builder
	b.AddASN1UTCTime(t.UTC())
	return b.BytesOrPanic()
}
