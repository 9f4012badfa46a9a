package cms

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/cmsbuild"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

var oidTest = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}

// built signs a small SignedData with the in-process PKI, with a nested
// signature and a legacy countersignature as unsigned attributes.
func built(t testing.TB) ([]byte, *cmsbuild.SignedData) {
	root := testkit.CA(t, "Test Root")
	leaf := testkit.Leaf(t, root, pkix.Name{CommonName: "Signer"}, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 0x1001)
	sd, err := cmsbuild.New(oidTest, []byte{0x30, 0x03, 0x02, 0x01, 0x07})
	if err != nil {
		t.Fatal(err)
	}
	when := []cmsbuild.Attr{{Type: cmsbuild.OIDSigningTime, Values: [][]byte{cmsbuild.UTCTime(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))}}}
	si, err := sd.AddSigner(leaf.Key, leaf.Cert, crypto.SHA256, when, root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	inner := cmsbuild.Detached(cmsbuild.OIDData, []byte("inner"))
	if _, err := inner.AddSigner(leaf.Key, leaf.Cert, crypto.SHA384, nil); err != nil {
		t.Fatal(err)
	}
	counter, err := cmsbuild.Sign(leaf.Key, leaf.Cert, crypto.SHA1, si.Signature, when)
	if err != nil {
		t.Fatal(err)
	}
	si.AddUnsigned(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1}, inner.Marshal(), inner.Marshal())
	si.AddUnsigned(OIDCounterSignature, counter.Marshal())
	return sd.Marshal(), sd
}

func TestParseBuilt(t *testing.T) {
	der, _ := built(t)
	sd, rest, err := Parse(append(bytes.Clone(der), 'x'))
	if err != nil {
		t.Fatal(err)
	}
	if string(rest) != "x" || sd.Version != 1 || !sd.ContentType.Equal(oidTest) || !bytes.Equal(sd.ContentBytes(), []byte{2, 1, 7}) ||
		len(sd.Certificates) != 2 || sd.OtherCertificates != 0 || len(sd.Signers) != 1 || len(sd.DigestAlgorithms) != 1 {
		t.Fatalf("parsed %+v rest %q", sd, rest)
	}
	si := &sd.Signers[0]
	certs, _, err := ParseCertificates(sd.Certificates)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := si.Verify(sd.ContentBytes(), certs)
	if err != nil || cert.Subject.CommonName != "Signer" {
		t.Fatalf("verify: %v", err)
	}
	if st, err := si.SigningTime(); err != nil || !st.Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("signing time %v %v", st, err)
	}
	nested := si.UnsignedAttrs.Find(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 4, 1})
	if len(nested) != 2 {
		t.Fatalf("%d nested signatures", len(nested))
	}
	for _, n := range nested {
		in, err := ParseSignedData(n)
		if err != nil || in.Content != nil {
			t.Fatalf("nested: %v", err)
		}
		if _, err := in.Signers[0].Verify([]byte("inner"), certs); err != nil {
			t.Errorf("nested verify: %v", err)
		}
	}
	s, err := ReadStamp(si.UnsignedAttrs, si.Signature, certs)
	if err != nil || s.TS.Kind != KindLegacy || !*s.TS.Verified {
		t.Fatalf("legacy countersignature: %+v %v", s, err)
	}
	// An entry that is not an X.509 certificate is skipped and counted.
	_, b := built(t)
	b.Certs = append(b.Certs, []byte{0xa1, 0x00})
	if sd, _, err := Parse(b.Marshal()); err != nil || len(sd.Certificates) != 2 || sd.OtherCertificates != 1 {
		t.Fatalf("attribute certificate: %v", err)
	}
	// The same SignedData as indefinite-length BER reads the same.
	ber := indefinite(t, der)
	if bytes.Equal(ber, der) || ber[1] != 0x80 {
		t.Fatal("no BER made")
	}
	sd2, rest, err := Parse(ber)
	if err != nil || len(rest) != 0 || !bytes.Equal(sd2.Signers[0].Signature, si.Signature) ||
		!bytes.Equal(sd2.Signers[0].RawSignedAttrs, si.RawSignedAttrs) {
		t.Fatalf("BER: %v", err)
	}
}

// indefinite re-encodes every constructed element of der with an
// indefinite length, and splits OCTET STRINGs longer than 4 bytes into a
// constructed string of 4-byte pieces, as streaming encoders write.
func indefinite(t testing.TB, der []byte) []byte {
	var out []byte
	for len(der) > 0 {
		hdr, l, _, err := header(der)
		if err != nil {
			t.Fatal(err)
		}
		body := der[hdr : hdr+l]
		tag := der[:tagLen(der)]
		switch {
		case der[0]&0x20 != 0:
			out = append(append(out, tag...), 0x80)
			out = append(append(out, indefinite(t, body)...), 0, 0)
		case der[0] == 0x04 && l > 4:
			out = append(out, 0x24, 0x80)
			for i := 0; i < l; i += 4 {
				piece := body[i:min(i+4, l)]
				out = append(append(out, 0x04, byte(len(piece))), piece...)
			}
			out = append(out, 0, 0)
		default:
			out = append(out, der[:hdr+l]...)
		}
		der = der[hdr+l:]
	}
	return out
}

func TestToDER(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
		err     string
	}{
		{"DER unchanged", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, ""},
		{"indefinite", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0, 0}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}, ""},
		{"nested indefinite", []byte{0xa0, 0x80, 0x30, 0x80, 0x05, 0x00, 0, 0, 0, 0}, []byte{0xa0, 0x04, 0x30, 0x02, 0x05, 0x00}, ""},
		{"constructed octets", []byte{0x24, 0x80, 0x04, 0x01, 'a', 0x24, 0x80, 0x04, 0x01, 'b', 0, 0, 0, 0}, []byte{0x04, 0x02, 'a', 'b'}, ""},
		{"octets holding another type", []byte{0x24, 0x80, 0x02, 0x01, 0x01, 0, 0}, nil, "another type"},
		{"trailing data", []byte{0x05, 0x00, 0x05, 0x00}, nil, "followed"},
		{"truncated", []byte{0x30, 0x80, 0x02, 0x01}, nil, "exceeds"},
		{"too deep", append(bytes.Repeat([]byte{0x30, 0x80}, 80), bytes.Repeat([]byte{0, 0}, 80)...), nil, "deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toDER(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.out) {
				t.Fatalf("toDER = %x, %v; want %x", got, err, tt.out)
			}
		})
	}
	long := append([]byte{0x30, 0x80, 0x04, 0x81, 0xc8}, make([]byte, 200)...)
	got, err := toDER(append(long, 0, 0))
	if err != nil || !bytes.Equal(got[:5], []byte{0x30, 0x81, 0xcb, 0x04, 0x81}) {
		t.Fatalf("long form: %x %v", got[:5], err)
	}
}

func TestParseRejects(t *testing.T) {
	der, _ := built(t)
	contentInfo := func(ct asn1.ObjectIdentifier, inner []byte) []byte {
		oid, _ := asn1.Marshal(ct)
		body := append(oid, append([]byte{0xa0, byte(len(inner))}, inner...)...)
		return append([]byte{0x30, byte(len(body))}, body...)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"not a ContentInfo", []byte{0x04, 0x01, 0x00}, "ContentInfo"},
		{"enveloped data", contentInfo(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}, []byte{0x30, 0x00}), "is not SignedData"},
		{"empty SignedData", contentInfo(OIDSignedData, []byte{0x30, 0x00}), "version"},
		{"truncated", der[:len(der)-10], "exceeds"},
		{"non-minimal length", append([]byte{0x30, 0x81, 0x03}, der[2:5]...), "ContentInfo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	// A flipped byte anywhere either fails to parse as malformed or parses.
	for i := range der {
		b := bytes.Clone(der)
		b[i] ^= 0x41
		if _, _, err := Parse(b); err != nil && !errors.Is(err, ErrMalformed) && !strings.Contains(err.Error(), "SignedData") {
			t.Fatalf("byte %d: unexpected error kind %v", i, err)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the SignedData reader and everything
// that reads a parsed one: verification, attributes, timestamps, nested
// signatures. Nothing may panic, and a parse must be reproducible.
func FuzzParse(f *testing.F) {
	der, _ := built(f)
	f.Add(der)
	f.Add(indefinite(f, der))
	f.Add(der[:len(der)/2])
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, rest, err := Parse(b)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatal("rest longer than input")
		}
		certs, _, _ := ParseCertificates(sd.Certificates)
		for i := range sd.Signers {
			si := &sd.Signers[i]
			_, _ = si.Verify(sd.ContentBytes(), certs)
			_, _ = si.SigningTime()
			_, _ = ReadStamp(si.UnsignedAttrs, si.Signature, certs)
			for _, a := range si.UnsignedAttrs {
				for _, v := range a.Values {
					_, _ = ParseSignedData(v)
					_, _ = ParseSignerInfo(v)
					_, _ = ParseTSTInfo(v)
				}
			}
		}
		again, _, err := Parse(b)
		if err != nil || len(again.Signers) != len(sd.Signers) {
			t.Fatal("second parse differs")
		}
	})
}

// TestDamagedAttributes: a damaged attribute list leaves the signer
// readable; the signed one fails verification, the unsigned one is
// reported, and neither loses the signer's identity.
func TestDamagedAttributes(t *testing.T) {
	for _, signed := range []bool{true, false} {
		_, b := built(t)
		si := b.Signers[0]
		if signed {
			si.SignedAttrs[0] = append([]byte{0x31}, si.SignedAttrs[0][1:]...) // a SET where an Attribute SEQUENCE goes
		} else {
			si.AddUnsigned(oidTest, []byte{0x05}) // a truncated value
		}
		der := b.Marshal()
		sd, _, err := Parse(der)
		if err != nil {
			t.Fatalf("signed=%v: %v", signed, err)
		}
		got := &sd.Signers[0]
		certs, _, _ := ParseCertificates(sd.Certificates)
		_, verr := got.Verify(sd.ContentBytes(), certs)
		switch {
		case got.Serial == nil || got.Serial.Int64() != 0x1001:
			t.Errorf("signed=%v: signer lost", signed)
		case signed && (got.SignedAttrsErr == nil || verr == nil || !strings.Contains(verr.Error(), "signed attributes")):
			t.Errorf("damaged signed attributes: %v, verify %v", got.SignedAttrsErr, verr)
		case !signed && (got.UnsignedAttrsErr == nil || verr != nil):
			t.Errorf("damaged unsigned attributes: %v, verify %v", got.UnsignedAttrsErr, verr)
		}
	}
}
