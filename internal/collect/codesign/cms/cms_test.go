package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

func TestObjectLen(t *testing.T) {
	deep := bytes.Repeat([]byte{0x30, 0x80}, 100)
	tests := []struct {
		name    string
		in      []byte
		want    int
		wantErr string
	}{
		{"DER short", []byte{0x04, 0x02, 'h', 'i', 0xff}, 4, ""},
		{"DER long form", append([]byte{0x04, 0x81, 0x80}, make([]byte, 0x80+3)...), 0x83, ""},
		{"indefinite", []byte{0x30, 0x80, 0x04, 0x01, 'x', 0x00, 0x00, 0xee}, 7, ""},
		{"nested indefinite", []byte{0x30, 0x80, 0xa0, 0x80, 0x04, 0x00, 0, 0, 0, 0, 1}, 10, ""},
		{"high tag", []byte{0x1f, 0x81, 0x01, 0x01, 0x00}, 5, ""},
		{"truncated", []byte{0x04, 0x05, 'a'}, 0, "exceeds"},
		{"no end of contents", []byte{0x30, 0x80, 0x04, 0x00}, 0, "missing"},
		{"primitive indefinite", []byte{0x04, 0x80, 0, 0}, 0, "primitive"},
		{"absurd length", []byte{0x04, 0x84, 0xff, 0xff, 0xff, 0xff}, 0, "absurd"},
		{"length field too long", []byte{0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, "invalid"},
		{"too deep", deep, 0, "deep"},
		{"empty", nil, 0, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ObjectLen(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ObjectLen = %d, %v; want error containing %q", n, err, tt.wantErr)
				}
				return
			}
			if err != nil || n != tt.want {
				t.Fatalf("ObjectLen = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
}

func TestOrderChainAndDescribe(t *testing.T) {
	root := testkit.CA(t, "Root")
	mid := testkit.Leaf(t, root, pkix.Name{CommonName: "Intermediate"}, root.Cert.NotBefore, root.Cert.NotAfter, 2)
	leaf := testkit.Leaf(t, mid, pkix.Name{CommonName: "Leaf", Organization: []string{"Leaf Org"}},
		root.Cert.NotBefore, root.Cert.NotAfter, 0x1b6611df)
	other := testkit.CA(t, "Other")
	got := OrderChain(leaf.Cert, []*x509.Certificate{other.Cert, root.Cert, leaf.Cert, mid.Cert})
	var names []string
	for _, c := range got {
		names = append(names, c.Subject.CommonName)
	}
	if strings.Join(names, ",") != "Leaf,Intermediate,Root,Other" {
		t.Fatalf("OrderChain = %v", names)
	}
	d := Describe(leaf.Cert)
	if d.Serial != "1b6611df" || d.CommonName != "Leaf" || d.Organization != "Leaf Org" || len(d.SHA1) != 40 || len(d.SHA256) != 64 {
		t.Fatalf("Describe = %+v", d)
	}
}

func TestRootsVerify(t *testing.T) {
	root := testkit.CA(t, "Root")
	nb, na := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	leaf := testkit.Leaf(t, root, pkix.Name{CommonName: "Signer"}, nb, na, 7)
	inside, after := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

	ok, msg, _ := (*Roots)(nil).Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning)
	if ok != nil || msg != NoRoots {
		t.Errorf("no roots: %v %q, want nil and %q", ok, msg, NoRoots)
	}
	r := NewRoots([]*x509.Certificate{root.Cert})
	if ok, msg, weak := r.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning); ok == nil || !*ok || weak != "" {
		t.Errorf("inside validity: %v %q %q, want verified", ok, msg, weak)
	}
	if ok, msg, _ := r.Verify(leaf.Cert, nil, after, x509.ExtKeyUsageCodeSigning); ok == nil || *ok || !strings.Contains(msg, "expired") {
		t.Errorf("after expiry: %v %q, want expired", ok, msg)
	}
	if ok, _, _ := r.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageTimeStamping); ok == nil || *ok {
		t.Errorf("wrong usage verified")
	}
	other := NewRoots([]*x509.Certificate{testkit.CA(t, "Other").Cert})
	if ok, _, _ := other.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning); ok == nil || *ok {
		t.Errorf("foreign root verified")
	}
}

// TestLegacyChain: chains with SHA-1 certificate signatures verify (and
// say so) when everything else holds, and fail for the reasons a modern
// chain fails.
func TestLegacyChain(t *testing.T) {
	root := testkit.CA(t, "Root")
	mid := testkit.Intermediate(t, root, "Legacy CA", x509.ECDSAWithSHA1)
	modernMid := testkit.Intermediate(t, root, "Modern CA", 0)
	nb, na := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	subj := pkix.Name{CommonName: "Old Vendor"}
	leaf := testkit.LeafAlg(t, mid, subj, nb, na, 9, x509.ECDSAWithSHA1)
	leafModernMid := testkit.LeafAlg(t, modernMid, subj, nb, na, 10, x509.ECDSAWithSHA1)
	leafTSA := testkit.LeafAlg(t, mid, subj, nb, na, 11, x509.ECDSAWithSHA1, x509.ExtKeyUsageTimeStamping)
	impostor := testkit.Intermediate(t, testkit.CA(t, "Root"), "Legacy CA", x509.ECDSAWithSHA1) // same names, other keys
	forged := testkit.LeafAlg(t, impostor, subj, nb, na, 12, x509.ECDSAWithSHA1)
	endEntity := testkit.LeafAlg(t, root, pkix.Name{CommonName: "Not a CA"}, nb, na, 13, x509.ECDSAWithSHA1)
	underEE := testkit.LeafAlg(t, endEntity, subj, nb, na, 14, x509.ECDSAWithSHA1)
	r := NewRoots([]*x509.Certificate{root.Cert})
	inside, after := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		leaf    *x509.Certificate
		inter   []*x509.Certificate
		at      time.Time
		usage   x509.ExtKeyUsage
		ok      bool
		weak    string // text in ChainWeak when ok
		errWant string // text in the error when not
	}{
		{"SHA-1 leaf and intermediate", leaf.Cert, []*x509.Certificate{mid.Cert}, inside, x509.ExtKeyUsageCodeSigning, true,
			`"Old Vendor" by "Legacy CA", "Legacy CA" by "Root"`, ""},
		{"SHA-1 leaf only", leafModernMid.Cert, []*x509.Certificate{modernMid.Cert}, inside, x509.ExtKeyUsageCodeSigning, true,
			`("Old Vendor" by "Modern CA")`, ""},
		{"decoy intermediate first", leaf.Cert, []*x509.Certificate{impostor.Cert, mid.Cert}, inside, x509.ExtKeyUsageCodeSigning, true, "Legacy CA", ""},
		{"expired", leaf.Cert, []*x509.Certificate{mid.Cert}, after, x509.ExtKeyUsageCodeSigning, false, "", "expired"},
		{"wrong usage", leaf.Cert, []*x509.Certificate{mid.Cert}, inside, x509.ExtKeyUsageTimeStamping, false, "", "usage"},
		{"time stamping", leafTSA.Cert, []*x509.Certificate{mid.Cert}, inside, x509.ExtKeyUsageTimeStamping, true, "Legacy CA", ""},
		{"intermediate missing", leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning, false, "", "no issuer"},
		{"forged by a same-named CA", forged.Cert, []*x509.Certificate{impostor.Cert}, inside, x509.ExtKeyUsageCodeSigning, false, "", "signature"},
		{"issued by an end entity", underEE.Cert, []*x509.Certificate{endEntity.Cert}, inside, x509.ExtKeyUsageCodeSigning, false, "", "not a CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, msg, weak := r.Verify(tt.leaf, tt.inter, tt.at, tt.usage)
			if ok == nil || *ok != tt.ok {
				t.Fatalf("verified %v (%q), want %v", ok, msg, tt.ok)
			}
			if tt.ok && (msg != "" || !strings.Contains(weak, tt.weak) || !strings.Contains(weak, "SHA-1")) {
				t.Errorf("msg %q weak %q, want weak containing %q", msg, weak, tt.weak)
			}
			if !tt.ok && (weak != "" || !strings.Contains(msg, tt.errWant)) {
				t.Errorf("msg %q weak %q, want an error containing %q", msg, weak, tt.errWant)
			}
		})
	}
}

// TestLegacyChainBudget: CA certificates that all validly issue each other
// (one key, one name, many serials) would make the path search try every
// ordering; it gives up after a bounded number of checks instead.
func TestLegacyChainBudget(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nb, na := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(serial int64, ca bool) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "Loop CA"},
			NotBefore: nb, NotAfter: na, BasicConstraintsValid: true, IsCA: ca, SignatureAlgorithm: x509.ECDSAWithSHA1,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
		if !ca {
			tmpl.Subject.CommonName = "Looped Signer"
		}
		issuer := &x509.Certificate{Subject: pkix.Name{CommonName: "Loop CA"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var loop []*x509.Certificate
	for i := range MaxCerts {
		loop = append(loop, mk(int64(100+i), true))
	}
	r := NewRoots([]*x509.Certificate{testkit.CA(t, "Root").Cert})
	ok, msg, _ := r.Verify(mk(1, false), loop, time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), x509.ExtKeyUsageCodeSigning)
	if ok == nil || *ok || !strings.Contains(msg, "gave up after") {
		t.Fatalf("%v %q, want a bounded failure", ok, msg)
	}
}

func FuzzObjectLen(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x04, 0x01, 'x', 0x00, 0x00})
	f.Add([]byte{0x04, 0x82, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ObjectLen(b)
		if err == nil && (n < 2 || n > len(b)) {
			t.Fatalf("ObjectLen = %d for %d bytes", n, len(b))
		}
	})
}
