package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// The tests in this file check the reader against openssl, an independent
// CMS implementation: openssl writes the signatures (DER, streamed
// indefinite-length BER, detached and embedded, issuer-and-serial and
// subject-key-identifier signers, an RFC 3161 token from `openssl ts`), and
// what the reader finds must equal what `openssl cms -cmsout -print` and
// `openssl ts -reply -text` print.

func openssl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// opensslPKI makes a root, an RSA and an EC signer and a TSA with openssl.
func opensslPKI(t *testing.T) string {
	t.Helper()
	testutil.NeedTools(t, "openssl")
	dir := t.TempDir()
	ext := `[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
basicConstraints=CA:FALSE
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
`
	tsa := `[tsa]
default_tsa = tsa1
[tsa1]
serial = ` + filepath.Join(dir, "serial") + `
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha1, sha256
accuracy = secs:1
ess_cert_id_alg = sha256
`
	for name, s := range map[string]string{"ext.cnf": ext, "ts.cnf": tsa, "serial": "01\n", "data": "signed by openssl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	openssl(t, dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Openssl Root/O=Cascade Test",
		"-days", "30", "-keyout", "root.key", "-out", "root.pem", "-extensions", "ca", "-config", "ext.cnf")
	issue := func(name, subj, key, ext, serial string) {
		openssl(t, dir, "req", "-new", "-newkey", key, "-nodes", "-subj", subj, "-keyout", name+".key", "-out", name+".csr")
		openssl(t, dir, "x509", "-req", "-in", name+".csr", "-CA", "root.pem", "-CAkey", "root.key", "-days", "30",
			"-set_serial", serial, "-extfile", "ext.cnf", "-extensions", ext, "-out", name+".pem")
	}
	issue("rsa", "/CN=Openssl RSA Signer/O=Cascade Test/C=GB", "rsa:2048", "leaf", "0x1a2b3c4d5e")
	openssl(t, dir, "ecparam", "-name", "prime256v1", "-out", "ec.param")
	issue("ec", "/CN=Openssl EC Signer/O=Cascade Test", "ec:ec.param", "leaf", "4097")
	issue("tsa", "/CN=Openssl TSA/O=Cascade Test", "rsa:2048", "tsa", "0x7777")
	return dir
}

// printed is what `openssl cms -cmsout -print` says of the first signer.
type printed struct {
	issuer, serial, skid, digest, signingTime string
	embedded                                  bool
}

var (
	reSerial = regexp.MustCompile(`(?m)^\s+d\.issuerAndSerialNumber:\s*\n\s+issuer: (.*)\n\s+serialNumber: (-?\d+)`)
	reSKID   = regexp.MustCompile(`(?m)^\s+d\.subjectKeyIdentifier:\s*\n((?:\s+[0-9a-f]{4} - .*\n)+)`)
	reDigest = regexp.MustCompile(`(?m)^\s+digestAlgorithm:\s*\n\s+algorithm: .*\(([0-9.]+)\)`)
	reTime   = regexp.MustCompile(`(?m)^\s+object: signingTime .*\n\s+set:\n\s+UTCTIME:(.*)`)
	reHexRow = regexp.MustCompile(`- ((?:[0-9a-f]{2}[ -]?)+)`)
)

func parsePrint(t *testing.T, out string) printed {
	t.Helper()
	var p printed
	signers := out[strings.Index(out, "signerInfos:"):]
	if m := reSerial.FindStringSubmatch(signers); m != nil {
		p.issuer, p.serial = m[1], m[2]
	}
	if m := reSKID.FindStringSubmatch(signers); m != nil {
		for _, row := range reHexRow.FindAllStringSubmatch(m[1], -1) {
			p.skid += strings.NewReplacer(" ", "", "-", "").Replace(row[1])
		}
	}
	if m := reDigest.FindStringSubmatch(signers); m != nil {
		p.digest = m[1]
	}
	if m := reTime.FindStringSubmatch(signers); m != nil {
		p.signingTime = m[1]
	}
	p.embedded = !regexp.MustCompile(`eContent: <ABSENT>`).MatchString(out) &&
		regexp.MustCompile(`eContent: \n\s+0000 - `).MatchString(out)
	if p.digest == "" || p.serial == "" && p.skid == "" {
		t.Fatalf("could not read openssl's print:\n%s", out)
	}
	return p
}

// forward renders a DER Name as openssl prints it: RDNs in order,
// "CN=a, O=b".
func forward(t *testing.T, der []byte) string {
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(der, &rdn); err != nil {
		t.Fatal(err)
	}
	short := map[string]string{"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.6": "C"}
	var parts []string
	for _, set := range rdn {
		for _, a := range set {
			parts = append(parts, short[a.Type.String()]+"="+a.Value.(string))
		}
	}
	return strings.Join(parts, ", ")
}

func TestParseOpenSSLCMS(t *testing.T) {
	dir := opensslPKI(t)
	data, err := os.ReadFile(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		signer string
		args   []string
		ber    bool
	}{
		{"RSA SHA-256 detached DER", "rsa", []string{"-md", "sha256"}, false},
		{"RSA SHA-1 embedded DER", "rsa", []string{"-md", "sha1", "-nodetach"}, false},
		{"EC SHA-384 embedded streamed BER", "ec", []string{"-md", "sha384", "-nodetach", "-stream"}, true},
		{"EC SHA-256 subject key identifier", "ec", []string{"-md", "sha256", "-keyid", "-certfile", "root.pem"}, false},
		{"RSA SHA-512 detached streamed BER", "rsa", []string{"-md", "sha512", "-stream"}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "sig"+string(rune('0'+i))+".der")
			args := append([]string{"cms", "-sign", "-binary", "-in", "data", "-signer", tt.signer + ".pem", "-inkey", tt.signer + ".key",
				"-outform", "DER", "-out", out}, tt.args...)
			openssl(t, dir, args...)
			openssl(t, dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", out, "-content", "data", "-CAfile", "root.pem", "-out", os.DevNull)
			want := parsePrint(t, openssl(t, dir, "cms", "-cmsout", "-print", "-inform", "DER", "-in", out))
			blob, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if gotBER := blob[1] == 0x80; gotBER != tt.ber {
				t.Fatalf("openssl wrote indefinite-length BER: %v, want %v", gotBER, tt.ber)
			}
			sd, rest, err := Parse(append(blob, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rest, []byte{0, 0}) || len(sd.Signers) != 1 || !sd.ContentType.Equal(OIDData) {
				t.Fatalf("rest %x, %d signers, content type %s", rest, len(sd.Signers), sd.ContentType)
			}
			si := &sd.Signers[0]
			if si.Serial != nil {
				if got := forward(t, si.Issuer); got != want.issuer || si.Serial.String() != want.serial {
					t.Errorf("signer %s serial %s, openssl says %s serial %s", got, si.Serial, want.issuer, want.serial)
				}
			} else if hex.EncodeToString(si.SubjectKeyID) != want.skid {
				t.Errorf("subject key identifier %x, openssl says %s", si.SubjectKeyID, want.skid)
			}
			if si.DigestAlgorithm.OID.String() != want.digest {
				t.Errorf("digest algorithm %s, openssl says %s", si.DigestAlgorithm.OID, want.digest)
			}
			st, err := si.SigningTime()
			if err != nil || st.UTC().Format("Jan _2 15:04:05 2006 GMT") != want.signingTime {
				t.Errorf("signing time %v (%v), openssl says %q", st, err, want.signingTime)
			}
			if got := sd.ContentBytes(); (got != nil) != want.embedded || got != nil && !bytes.Equal(got, data) {
				t.Errorf("embedded content %q, openssl embedded: %v", got, want.embedded)
			}
			certs, _, err := ParseCertificates(sd.Certificates)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := si.Verify(data, certs)
			if err != nil || cert.Subject.CommonName == "" {
				t.Fatalf("verify: %v", err)
			}
			if _, err := si.Verify([]byte("other data"), certs); err == nil {
				t.Error("verified over other content")
			}
		})
	}
}

// TestReadStampOpenSSLTS stamps a signature value with `openssl ts` (an
// RFC 3161 token) and checks the time and authority the reader finds
// against what openssl prints.
func TestReadStampOpenSSLTS(t *testing.T) {
	dir := opensslPKI(t)
	stamped := []byte("the signer's signature value")
	if err := os.WriteFile(filepath.Join(dir, "stamped"), stamped, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, md := range []string{"sha256", "sha1"} {
		t.Run(md, func(t *testing.T) {
			openssl(t, dir, "ts", "-query", "-data", "stamped", "-"+md, "-cert", "-no_nonce", "-out", "q.tsq")
			openssl(t, dir, "ts", "-reply", "-config", "ts.cnf", "-queryfile", "q.tsq", "-signer", "tsa.pem", "-inkey", "tsa.key",
				"-chain", "root.pem", "-token_out", "-out", "token.der")
			text := openssl(t, dir, "ts", "-reply", "-in", "token.der", "-token_in", "-text")
			m := regexp.MustCompile(`Time stamp: (.*)`).FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("no time in:\n%s", text)
			}
			want, err := time.Parse("Jan _2 15:04:05 2006 MST", strings.TrimSpace(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			token, err := os.ReadFile(filepath.Join(dir, "token.der"))
			if err != nil {
				t.Fatal(err)
			}
			attrs := Attributes{{Type: OIDTimeStampToken, Values: [][]byte{token}}}
			s, err := ReadStamp(attrs, stamped, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.TS.Kind != KindRFC3161 || !s.TS.Time.Equal(want) || s.TS.Verified == nil || !*s.TS.Verified ||
				!strings.Contains(s.TS.Authority, "CN=Openssl TSA") {
				t.Fatalf("stamp %+v (%s), openssl says %v", s.TS, s.TS.Error, want)
			}
			root, err := ParseCertificate(pemDER(t, filepath.Join(dir, "root.pem")))
			if err != nil {
				t.Fatal(err)
			}
			s.CheckChain(NewRoots([]*x509.Certificate{root}))
			if s.TS.ChainVerified == nil || !*s.TS.ChainVerified {
				t.Errorf("TSA chain: %s", s.TS.ChainError)
			}
			s, err = ReadStamp(attrs, []byte("another signature"), nil)
			if err != nil || *s.TS.Verified || !strings.Contains(s.TS.Error, "imprint") {
				t.Fatalf("a token over other bytes: %+v %v", s, err)
			}
		})
	}
}

func pemDER(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	return blk.Bytes
}
