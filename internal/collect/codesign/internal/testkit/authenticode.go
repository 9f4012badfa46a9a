package testkit

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/cmsbuild"
)

// Authenticode object identifiers the builder needs.
var (
	oidIndirectData = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidOpusInfo     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 12}
	oidPEImageData  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 15}
	oidSHA256       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	// OIDNested is SPC_NESTED_SIGNATURE.
	OIDNested = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}
)

// IndirectData is the DER SpcIndirectDataContent of a PE image whose
// SHA-256 Authenticode digest is digest.
func IndirectData(digest []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPEImageData)
			b.AddASN1(cbasn1.SEQUENCE, func(*cryptobyte.Builder) {})
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidSHA256)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(digest)
		})
	})
	return b.BytesOrPanic()
}

// OpusInfo is the DER SpcSpOpusInfo naming program.
func OpusInfo(program string) []byte {
	var name []byte
	for _, r := range program {
		name = append(name, byte(r>>8), byte(r))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(name) })
		})
	})
	return b.BytesOrPanic()
}

// Authenticode signs a PE-image indirect-data blob over digest (SHA-256)
// with signer, naming the program, and returns the SignedData.
func Authenticode(t testing.TB, signer Cert, chain []*x509.Certificate, digest []byte, program string) *cmsbuild.SignedData {
	t.Helper()
	sd, err := cmsbuild.New(oidIndirectData, IndirectData(digest))
	if err != nil {
		t.Fatal(err)
	}
	opus := []cmsbuild.Attr{{Type: oidOpusInfo, Values: [][]byte{OpusInfo(program)}}}
	if _, err := sd.AddSigner(signer.Key, signer.Cert, crypto.SHA256, opus, chain...); err != nil {
		t.Fatal(err)
	}
	return sd
}

// Marshal encodes a SignedData.
func Marshal(t testing.TB, sd *cmsbuild.SignedData) []byte {
	t.Helper()
	return sd.Marshal()
}

// Nest adds inner as a nested signature of outer.
func Nest(t testing.TB, outer, inner *cmsbuild.SignedData) {
	t.Helper()
	outer.Signers[0].AddUnsigned(OIDNested, inner.Marshal())
}
