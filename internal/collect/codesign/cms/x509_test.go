package cms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"
)

// pemFile returns the DER of testdata/NAME.pem (made by testdata/gen.sh).
func pemFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s.pem: no PEM block", name)
	}
	return blk.Bytes
}

// namedCurveCert is a self-signed P-256 certificate, as every real EC CA is.
func namedCurveCert(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Named Curve"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestParseNegativeSerial: a certificate with a negative serial reads as
// openssl reads it (`openssl x509 -serial` prints the same value), with its
// original bytes, so its issuer's signature over it still verifies.
func TestParseNegativeSerial(t *testing.T) {
	der := pemFile(t, "negative-serial")
	root, err := x509.ParseCertificate(pemFile(t, "root"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToUpper(c.SerialNumber.Text(16)); got != "-724808C7FD2E2642B98C059E8A80D689" {
		t.Errorf("serial %s, want -724808C7FD2E2642B98C059E8A80D689 (openssl x509 -serial)", got)
	}
	if string(c.Raw) != string(der) || c.Subject.CommonName != "Cascade Negative Serial" ||
		c.Issuer.CommonName != "Cascade Test Root CA" || c.NotBefore.Year() != 2020 {
		t.Errorf("certificate read wrong: %s by %s from %s", c.Subject, c.Issuer, c.NotBefore)
	}
	if err := c.CheckSignatureFrom(root); err != nil {
		t.Errorf("root's signature over the original certificate: %v", err)
	}
	if d := Describe(c); d.Serial != "-724808c7fd2e2642b98c059e8a80d689" {
		t.Errorf("described serial %q", d.Serial)
	}
	// The caller's buffer is not changed.
	if string(der) != string(pemFile(t, "negative-serial")) {
		t.Error("input modified")
	}
}

func TestParseCertificates(t *testing.T) {
	raw := func(names ...string) [][]byte {
		var out [][]byte
		for _, n := range names {
			out = append(out, pemFile(t, n))
		}
		return out
	}
	tests := []struct {
		name     string
		in       [][]byte
		certs    int
		explicit int
		err      string
	}{
		{"root and negative serial", raw("root", "negative-serial"), 2, 0, ""},
		{"explicit-curve CA and its leaf", raw("explicit-leaf", "explicit-ca"), 1, 1, ""},
		{"named curve", [][]byte{namedCurveCert(t)}, 1, 0, ""},
		{"garbage after a good one", append(raw("root"), []byte{0x30, 3, 2, 1, 1}), 1, 0, "certificate 2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, explicit, err := ParseCertificates(tt.in)
			if len(certs) != tt.certs || len(explicit) != tt.explicit {
				t.Errorf("%d certificates, %d explicit; want %d, %d (%v)", len(certs), len(explicit), tt.certs, tt.explicit, err)
			}
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestExplicitCurve(t *testing.T) {
	tests := []struct {
		name string
		der  []byte
		want bool
	}{
		{"explicit-parameter CA (openssl -param_enc explicit)", pemFile(t, "explicit-ca"), true},
		{"RSA leaf of that CA", pemFile(t, "explicit-leaf"), false},
		{"P-256 named curve", namedCurveCert(t), false},
		{"RSA root", pemFile(t, "root"), false},
		{"not a certificate", []byte{0x30, 0}, false},
	}
	for _, tt := range tests {
		if got := ExplicitCurve(tt.der); got != tt.want {
			t.Errorf("%s: ExplicitCurve = %v, want %v", tt.name, got, tt.want)
		}
	}
	_, err := ParseCertificate(pemFile(t, "explicit-ca"))
	if !errors.Is(err, ErrExplicitCurve) {
		t.Errorf("ParseCertificate(explicit-ca) = %v, want ErrExplicitCurve", err)
	}
	if o := Outline(pemFile(t, "explicit-ca")); !strings.Contains(o, `"CN=Cascade Explicit Curve CA,O=Cascade Test"`) {
		t.Errorf("Outline = %s", o)
	}
}

func FuzzParseCertificate(f *testing.F) {
	for _, n := range []string{"root", "negative-serial", "explicit-ca", "explicit-leaf"} {
		f.Add(pemFile(f, n))
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		in := string(der)
		c, err := ParseCertificate(der)
		if string(der) != in {
			t.Fatal("input modified")
		}
		if err == nil && string(c.Raw) != in {
			t.Fatal("Raw is not the input")
		}
		ExplicitCurve(der)
		Outline(der)
	})
}
