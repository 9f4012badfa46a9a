package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
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

	ok, msg := (*Roots)(nil).Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning)
	if ok != nil || msg != NoRoots {
		t.Errorf("no roots: %v %q, want nil and %q", ok, msg, NoRoots)
	}
	r := NewRoots([]*x509.Certificate{root.Cert})
	if ok, msg := r.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning); ok == nil || !*ok {
		t.Errorf("inside validity: %v %q, want verified", ok, msg)
	}
	if ok, msg := r.Verify(leaf.Cert, nil, after, x509.ExtKeyUsageCodeSigning); ok == nil || *ok || !strings.Contains(msg, "expired") {
		t.Errorf("after expiry: %v %q, want expired", ok, msg)
	}
	if ok, _ := r.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageTimeStamping); ok == nil || *ok {
		t.Errorf("wrong usage verified")
	}
	other := NewRoots([]*x509.Certificate{testkit.CA(t, "Other").Cert})
	if ok, _ := other.Verify(leaf.Cert, nil, inside, x509.ExtKeyUsageCodeSigning); ok == nil || *ok {
		t.Errorf("foreign root verified")
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
