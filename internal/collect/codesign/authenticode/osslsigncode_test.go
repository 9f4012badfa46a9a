package authenticode

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// ossl is what `osslsigncode verify` prints of one signature.
type ossl struct {
	digest, subject, issuer, serial, signingTime string
	tsTime, tsSerial                             string
}

var (
	reDigest  = regexp.MustCompile(`(?m)^Message digest algorithm\s+: (\S+)`)
	reSigner  = regexp.MustCompile(`(?m)^Signer's certificate:\s*\n\s+-+\s*\n\s+Signer #0:\s*\n\s+Subject: (.*)\n\s+Issuer : (.*)\n\s+Serial : (\S+)`)
	reSignTm  = regexp.MustCompile(`(?m)^Authenticated attributes:\s*\n(?:\s+.*\n)*?\s+Signing time: (.*)`)
	reCounter = regexp.MustCompile(`(?m)^Countersignatures:\s*\n\s+Timestamp time: (.*)\n(?:\s+.*\n)*?\s+Serial: (\S+)`)
	reCount   = regexp.MustCompile(`(?m)^Number of verified signatures: (\d+)`)
)

// osslsigncode runs `osslsigncode verify` on path (no network: CRL
// distribution points are not fetched) and splits its report by signature.
func osslsigncode(t *testing.T, path, caFile string) ([]ossl, string) {
	t.Helper()
	args := []string{"verify", "-ignore-crl", "-ignore-cdp", "-in", path}
	if caFile != "" {
		args = append(args, "-CAfile", caFile, "-TSA-CAfile", caFile)
	}
	out, _ := exec.Command("osslsigncode", args...).CombinedOutput() // chain failures exit non-zero; the fields are printed
	var sigs []ossl
	for _, block := range strings.Split(string(out), "Signature Index: ")[1:] {
		var o ossl
		if m := reDigest.FindStringSubmatch(block); m != nil {
			o.digest = strings.ToLower(m[1])
		}
		if m := reSigner.FindStringSubmatch(block); m != nil {
			o.subject, o.issuer, o.serial = osslName(m[1]), osslName(m[2]), serial(m[3])
		}
		if m := reSignTm.FindStringSubmatch(block); m != nil && !strings.Contains(m[0], "Countersignatures") {
			o.signingTime = m[1]
		}
		if m := reCounter.FindStringSubmatch(block); m != nil {
			o.tsTime, o.tsSerial = m[1], serial(m[2])
		}
		sigs = append(sigs, o)
	}
	count := ""
	if m := reCount.FindStringSubmatch(string(out)); m != nil {
		count = m[1]
	}
	return sigs, count
}

// certTable returns the first WIN_CERTIFICATE's PKCS#7 blob of a PE.
func certTable(t *testing.T, b []byte) []byte {
	t.Helper()
	pe := int(binary.LittleEndian.Uint32(b[0x3c:]))
	dirs := pe + 24 + 96 // PE32
	if binary.LittleEndian.Uint16(b[pe+24:]) == 0x20b {
		dirs = pe + 24 + 112 // PE32+
	}
	off := int(binary.LittleEndian.Uint32(b[dirs+4*8:]))
	size := int(binary.LittleEndian.Uint32(b[dirs+4*8+4:]))
	if off == 0 || off+size > len(b) {
		t.Fatalf("no certificate table (offset %d, size %d)", off, size)
	}
	return b[off+8 : off+size]
}

// goName renders the RFC 2253 string Go makes of a name as the sorted set
// of its attributes: Go orders them by type, osslsigncode as encoded, so
// only the set is compared.
func goName(s string) string {
	var parts []string
	cur := ""
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			i++
			cur += string(s[i])
		case s[i] == ',':
			parts, cur = append(parts, cur), ""
		default:
			cur += string(s[i])
		}
	}
	parts = append(parts, cur)
	slices.Sort(parts)
	return strings.Join(parts, "/")
}

// osslName is goName for osslsigncode's "/CN=a/O=b".
func osslName(s string) string {
	parts := strings.Split(strings.TrimPrefix(s, "/"), "/")
	slices.Sort(parts)
	return strings.Join(parts, "/")
}

const osslTime = "Jan _2 15:04:05 2006 GMT"

// TestParseMatchesOsslsigncode: for PEs signed by osslsigncode (signed.sh,
// with RFC 3161 timestamps, SHA-1 and SHA-256, a nested signature) and a
// real signed DLL, the fields the reader finds equal what `osslsigncode
// verify` prints: signer subject, issuer and serial, digest algorithm,
// signing time, timestamp time and authority serial, and the number of
// signatures.
func TestParseMatchesOsslsigncode(t *testing.T) {
	dir := testkit.Dir(t)
	root := filepath.Join(dir, "pki", "root.pem")
	files := []struct{ path, ca string }{
		{filepath.Join("..", "testdata", "realworld", "kdbazis.dll"), ""},
	}
	for _, n := range []string{"signed.exe", "signed-nots.exe", "dual.exe", "legacy.exe", "expired-ts-inside.exe", "negserial.exe", "padded.exe"} {
		files = append(files, struct{ path, ca string }{filepath.Join(dir, "pe", n), root})
	}
	for _, f := range files {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			b, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			want, count := osslsigncode(t, f.path, f.ca)
			sigs, _, err := Parse(certTable(t, b), snapshot.SigAuthenticode, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != len(want) || len(want) == 0 {
				t.Fatalf("%d signatures, osslsigncode prints %d", len(sigs), len(want))
			}
			if count != "" && count != strconv.Itoa(len(sigs)) {
				t.Errorf("%d signatures, osslsigncode verified %s", len(sigs), count)
			}
			for i, w := range want {
				s := sigs[i].Sig
				if s.Signer == nil {
					t.Fatalf("signature %d: no signer (%s)", i, s.Error)
				}
				got := ossl{digest: s.DigestAlgorithm, subject: goName(s.Signer.Subject), issuer: goName(s.Signer.Issuer),
					serial: serial(s.Signer.Serial)}
				if s.SigningTime != nil {
					got.signingTime = s.SigningTime.Format(osslTime)
				}
				if ts := s.Timestamp; ts != nil {
					got.tsTime = ts.Time.Format(osslTime)
					if ts.Signer != nil {
						got.tsSerial = serial(ts.Signer.Serial)
					}
				}
				if got != w {
					t.Errorf("signature %d:\n got %+v\nwant %+v (osslsigncode)", i, got, w)
				}
				if s.SignatureVerified == nil || !*s.SignatureVerified {
					t.Errorf("signature %d does not verify: %s", i, s.SignatureError)
				}
			}
		})
	}
}

// serial normalises a hex serial: upper case, no leading zeros.
func serial(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(strings.ToUpper(strings.TrimPrefix(s, "-")), "0")
	if neg {
		return "-" + s
	}
	return s
}
