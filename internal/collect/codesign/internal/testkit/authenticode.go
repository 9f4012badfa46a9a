package testkit

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/sassoftware/relic/v8/lib/pkcs7"
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

type opus struct {
	Name struct {
		Unicode []byte `asn1:"optional,tag:0"`
	} `asn1:"optional,tag:0"`
}

// Authenticode signs a PE-image indirect-data blob over digest (SHA-256)
// with signer, naming the program, and returns the SignedData.
func Authenticode(t testing.TB, signer Cert, chain []*x509.Certificate, digest []byte, program string) *pkcs7.ContentInfoSignedData {
	t.Helper()
	var ind indirect
	ind.Data.Type = oidPEImageData
	ind.Data.Value = asn1.RawValue{FullBytes: []byte{0x30, 0x00}}
	ind.Digest.Alg = pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}
	ind.Digest.Digest = digest
	b := pkcs7.NewBuilder(signer.Key, append([]*x509.Certificate{signer.Cert}, chain...), crypto.SHA256)
	if err := b.SetContent(oidIndirectData, ind); err != nil {
		t.Fatal(err)
	}
	var o opus
	for _, r := range program {
		o.Name.Unicode = append(o.Name.Unicode, byte(r>>8), byte(r))
	}
	if err := b.AddAuthenticatedAttribute(oidOpusInfo, o); err != nil {
		t.Fatal(err)
	}
	psd, err := b.Sign()
	if err != nil {
		t.Fatal(err)
	}
	return psd
}

// Marshal encodes a SignedData.
func Marshal(t testing.TB, psd *pkcs7.ContentInfoSignedData) []byte {
	t.Helper()
	b, err := psd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Nest adds inner as a nested signature of outer.
func Nest(t testing.TB, outer, inner *pkcs7.ContentInfoSignedData) {
	t.Helper()
	if err := outer.Content.SignerInfos[0].UnauthenticatedAttributes.Add(OIDNested, *inner); err != nil {
		t.Fatal(err)
	}
}
