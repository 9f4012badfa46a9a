package codesign

import (
	"os"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

// TestNegativeSerialSigner: a signer certificate with a negative serial is
// read as Windows and osslsigncode read it, in a fixture signed.sh makes
// and in a real signed DLL (testdata/realworld/README.md).
func TestNegativeSerialSigner(t *testing.T) {
	real, err := os.ReadFile("testdata/realworld/kdbazis.dll")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		b       []byte
		subject string
		chained bool // the chain verifies against the fixtures' root
	}{
		{"negserial.exe", testkit.Read(t, "pe/negserial.exe"), "CN=3CX Ltd,O=3CX Ltd,C=GB", true},
		{"kdbazis.dll", real, "CN=VirtualKD-Redux SPC", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := run(t, collector(t, testkit.Root(t)), tt.name, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Signatures) != 1 {
				t.Fatalf("%d signatures", len(f.Signatures))
			}
			s := f.Signatures[0]
			if s.Signer == nil || s.Signer.Subject != tt.subject || s.Signer.Serial != "-724808c7fd2e2642b98c059e8a80d689" {
				t.Fatalf("signer %+v (error %q)", s.Signer, s.Error)
			}
			if strings.Contains(s.Error, "unreadable") || s.SignatureVerified == nil || !*s.SignatureVerified ||
				s.DigestMatch == nil || !*s.DigestMatch {
				t.Errorf("signature %+v", s)
			}
			if tt.chained && (s.ChainVerified == nil || !*s.ChainVerified) {
				t.Errorf("chain: %v %s", s.ChainVerified, s.ChainError)
			}
			if len(f.Anomalies) != 0 {
				t.Errorf("anomalies %+v", f.Anomalies)
			}
		})
	}
}
