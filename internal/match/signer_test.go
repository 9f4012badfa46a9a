package match

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
	inCatalog := tt
	inCatalog.Format, inCatalog.Catalog = snapshot.SigCatalog, `C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\tt.cat`
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
		{"a catalog's signer", intel.SignerSpec{Subject: "trading technologies international, inc"}, inCatalog, true, `listed in catalog C:\Windows\System32\CatRoot\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\tt.cat; signer CN`},
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
