package codesign

import (
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestMatchSigner(t *testing.T) {
	yes := true
	stamp := time.Date(2023, 3, 3, 0, 0, 0, 0, time.UTC)
	claimed := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	tt := snapshot.Signature{Signer: &snapshot.Certificate{
		Subject:      `CN=Trading Technologies International\, Inc,O=Trading Technologies International\, Inc,C=US`,
		CommonName:   "Trading Technologies International, Inc",
		Organization: "Trading Technologies International, Inc",
		Issuer:       `CN=Go Daddy Secure Certificate Authority - G2,OU=http://certs.godaddy.com/repository/,O=GoDaddy.com\, Inc.,C=US`,
		Serial:       "8538a6c5018f50fc",
		SHA1:         "0123456789abcdef0123456789abcdef01234567",
		SHA256:       strings.Repeat("ab", 32),
	}, Timestamp: &snapshot.Timestamp{Time: stamp, Kind: "rfc3161", Verified: &yes}}
	noTime := tt
	noTime.Timestamp = nil
	claimedOnly := noTime
	claimedOnly.SigningTime = &claimed
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	tests := []struct {
		name string
		spec intel.SignerSpec
		sig  snapshot.Signature
		want bool
		why  string
	}{
		{"subject is the CN", intel.SignerSpec{Subject: "trading technologies international, inc"}, tt, true, "signer CN"},
		{"subject substring across an escaped comma", intel.SignerSpec{Subject: "International, Inc,C=US"}, tt, true, "contains"},
		{"subject differs", intel.SignerSpec{Subject: "3CX Ltd"}, tt, false, "does not match"},
		{"issuer substring", intel.SignerSpec{Issuer: "Go Daddy Secure Certificate Authority - G2"}, tt, true, "issuer"},
		{"issuer differs", intel.SignerSpec{Issuer: "DigiCert"}, tt, false, "does not contain"},
		{"serial as the YARA rule writes it", intel.SignerSpec{Serial: "00 85 38 A6 C5 01 8F 50 FC"}, tt, true, "serial"},
		{"serial with colons", intel.SignerSpec{Serial: "00:85:38:a6:c5:01:8f:50:fc"}, tt, true, "serial"},
		{"serial with 0x", intel.SignerSpec{Serial: "0x8538A6C5018F50FC"}, tt, true, "serial"},
		{"serial in decimal", intel.SignerSpec{Serial: "9599605970805149948"}, tt, true, "decimal"},
		{"serial differs", intel.SignerSpec{Serial: "1b6611df9c9a4d6ecc8ed50c9b917873"}, tt, false, "is not"},
		{"SHA-1 thumbprint with separators", intel.SignerSpec{Thumbprint: "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67"}, tt, true, "SHA-1"},
		{"SHA-256 thumbprint", intel.SignerSpec{Thumbprint: strings.Repeat("AB", 32)}, tt, true, "SHA-256"},
		{"thumbprint differs", intel.SignerSpec{Thumbprint: strings.Repeat("00", 20)}, tt, false, "not"},
		{"inside the window", intel.SignerSpec{Subject: "Trading Technologies", SignedAfter: d("2022-11-01"), SignedBefore: d("2023-04-01")}, tt, true, "within"},
		{"after the window", intel.SignerSpec{Subject: "Trading Technologies", SignedBefore: d("2023-03-03")}, tt, false, "outside"},
		{"window on the claimed time", intel.SignerSpec{SignedAfter: d("2021-01-01"), SignedBefore: d("2022-01-01")}, claimedOnly, true, "claimed"},
		{"window without a time", intel.SignerSpec{SignedAfter: d("2021-01-01")}, noTime, false, "no signing time"},
		{"every field must match", intel.SignerSpec{Subject: "Trading Technologies", Serial: "1"}, tt, false, "serial"},
		{"empty spec", intel.SignerSpec{}, tt, false, "empty"},
		{"no signer", intel.SignerSpec{Subject: "x"}, snapshot.Signature{}, false, "no signer"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			got, why := MatchSigner(c.spec, c.sig)
			if got != c.want || !strings.Contains(why, c.why) {
				t.Fatalf("MatchSigner = %v, %q; want %v, containing %q", got, why, c.want, c.why)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	pe := make([]byte, 0x90)
	copy(pe, "MZ")
	pe[0x3c] = 0x80
	copy(pe[0x80:], "PE\x00\x00")
	tests := []struct {
		in   []byte
		want string
	}{
		{pe, snapshot.TypePE},
		{pe[:0x82], snapshot.TypeOther},
		{[]byte("MZ DOS program"), snapshot.TypeOther},
		{[]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0}, snapshot.TypeOLE},
		{[]byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, snapshot.TypeMachO},
		{[]byte{0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 18}, snapshot.TypeMachO},
		{[]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, snapshot.TypeMachO},
		{[]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}, snapshot.TypeOther},
		{[]byte("\x7fELF\x02\x01"), snapshot.TypeELF},
		{[]byte("PK\x03\x04"), snapshot.TypeZIP},
		{[]byte("#!/bin/sh\n"), snapshot.TypeScript},
		{nil, snapshot.TypeOther},
	}
	for _, tt := range tests {
		if got := Sniff(tt.in); got != tt.want {
			t.Errorf("Sniff(% x) = %q, want %q", tt.in[:min(len(tt.in), 8)], got, tt.want)
		}
	}
}

func TestSameVendor(t *testing.T) {
	cert := func(o, cn string) *snapshot.Certificate {
		return &snapshot.Certificate{Organization: o, CommonName: cn}
	}
	tests := []struct {
		claimed string
		c       *snapshot.Certificate
		want    bool
	}{
		{"Microsoft Corporation", cert("Microsoft Corporation", "Microsoft Corporation"), true},
		{"Google Inc.", cert("Google LLC", "Google LLC"), true},
		{"Trading Technologies International, Inc", cert("Trading Technologies International, Inc", ""), true},
		{"3CX", cert("3CX Ltd", "3CX Ltd"), true},
		{"Microsoft Corporation", cert("3CX Ltd", "3CX Ltd"), false},
		{"Inc.", cert("Anyone", "Anyone"), true},
	}
	for _, tt := range tests {
		if got := sameVendor(tt.claimed, tt.c); got != tt.want {
			t.Errorf("sameVendor(%q, %+v) = %v", tt.claimed, tt.c, got)
		}
	}
}
