package peinfo

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/binary"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/pegen"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func readPE(b []byte) (*Result, error) {
	return Read(bytes.NewReader(b), int64(len(b)), Limits{})
}

func kinds(r *Result) []string {
	var out []string
	for _, a := range r.Anomalies {
		out = append(out, a.Kind)
	}
	sort.Strings(out)
	return out
}

func matches(r *Result) []bool {
	var out []bool
	for _, s := range r.Sigs {
		out = append(out, s.Sig.DigestMatch != nil && *s.Sig.DigestMatch)
	}
	return out
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file    string
		match   []bool
		kinds   []string
		nested  int
		company string
	}{
		{"signed.exe", []bool{true}, nil, 0, "3CX Ltd"},
		{"signed-nots.exe", []bool{true}, nil, 0, "3CX Ltd"},
		{"dual.exe", []bool{true, true}, nil, 1, "3CX Ltd"},
		{"pagehash.exe", []bool{true}, nil, 0, "3CX Ltd"},
		{"padded.exe", []bool{true}, []string{"signature-padding"}, 0, "3CX Ltd"},
		{"patched.exe", []bool{false}, nil, 0, "3CX Ltd"},
		{"trailing.exe", []bool{true}, []string{"data-after-certificate-table"}, 0, "3CX Ltd"},
		{"dirgrow.exe", []bool{true}, []string{"security-directory-size"}, 0, "3CX Ltd"},
		{"vendor.exe", []bool{true}, nil, 0, "Microsoft Corporation"},
		{"go-signed.exe", []bool{true}, nil, 0, ""},
		{"go-unsigned.exe", nil, nil, 0, ""},
		{"unsigned.exe", nil, nil, 0, "3CX Ltd"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := readPE(testkit.Read(t, "pe/"+tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := matches(r); !slices.Equal(got, tt.match) {
				t.Errorf("digest matches = %v, want %v", got, tt.match)
			}
			if got := kinds(r); !slices.Equal(got, tt.kinds) {
				t.Errorf("anomalies = %v, want %v (%+v)", got, tt.kinds, r.Anomalies)
			}
			nested := 0
			for _, s := range r.Sigs {
				if s.Sig.Nested {
					nested++
				}
				if s.Sig.Error != "" || s.Sig.SignatureVerified == nil || !*s.Sig.SignatureVerified {
					t.Errorf("signature error %q, verified %v", s.Sig.Error, s.Sig.SignatureVerified)
				}
			}
			if nested != tt.nested || r.Meta[MetaCompanyName] != tt.company || r.Meta[MetaMachine] != "amd64" {
				t.Errorf("nested %d, meta %v", nested, r.Meta)
			}
		})
	}
}

func TestReadFixtureFacts(t *testing.T) {
	r, err := readPE(testkit.Read(t, "pe/dual.exe"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		MetaCompanyName: "3CX Ltd", MetaProductName: "3CX Desktop App", MetaFileVersion: "18.12.416.0",
		MetaProductVersion: "18.12.416.0", MetaOriginalFilename: "3CXDesktopApp.exe",
		MetaFileDescription: "3CX Desktop App", MetaCompileTime: "2023-01-01T00:00:00Z",
	}
	for k, v := range want {
		if r.Meta[k] != v {
			t.Errorf("Meta[%s] = %q, want %q", k, r.Meta[k], v)
		}
	}
	p, n := r.Sigs[0].Sig, r.Sigs[1].Sig
	if p.DigestAlgorithm != "sha1" || n.DigestAlgorithm != "sha256" || p.Signer.CommonName != "3CX Ltd" ||
		n.Signer.CommonName != "Cascade Nested Signer" || p.ProgramName != "3CX Desktop App" || p.ProgramURL != "https://www.3cx.com" {
		t.Errorf("signatures: %+v / %+v", p, n)
	}
	ts := p.Timestamp
	if ts == nil || ts.Kind != "rfc3161" || !ts.Time.Equal(time.Date(2023, 3, 3, 0, 0, 0, 0, time.UTC)) ||
		!strings.Contains(ts.Authority, "Cascade Test TSA") || !*ts.Verified {
		t.Errorf("timestamp = %+v", ts)
	}
}

// signPE signs img in process: one WIN_CERTIFICATE per blob after the
// 8-aligned image, each blob built over the image's Authenticode digest.
func signPE(t testing.TB, img []byte, nblobs int, subject string) []byte {
	t.Helper()
	for len(img)%8 != 0 {
		img = append(img, 0)
	}
	l, err := readLayout(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	digest, err := authentihash(bytes.NewReader(img), int64(len(img)), l, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	root := testkit.CA(t, "Root")
	signer := testkit.Leaf(t, root, pkix.Name{CommonName: subject, Organization: []string{subject}},
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), 77)
	off := len(img)
	for i := 0; i < nblobs; i++ {
		blob := testkit.Marshal(t, testkit.Authenticode(t, signer, nil, digest, "app"))
		hdr := make([]byte, 8)
		binary.LittleEndian.PutUint32(hdr, uint32(8+len(blob)))
		binary.LittleEndian.PutUint16(hdr[4:], 0x0200)
		binary.LittleEndian.PutUint16(hdr[6:], 2)
		img = append(append(img, hdr...), blob...)
		for len(img)%8 != 0 {
			img = append(img, 0)
		}
	}
	img, err = pegen.SetSecurityDirectory(img, off, len(img)-off)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func unsignedImage(companyName string, compile uint32) []byte {
	return pegen.Build(pegen.Spec{CompileTime: compile, CodeSize: 3000, Seed: 9, FileVersion: [4]uint16{1, 2, 3, 4},
		Strings: [][2]string{{"CompanyName", companyName}, {"ProductName", "Tool"}, {"FileVersion", "1.2.3.4"}}})
}

func TestReadInProcess(t *testing.T) {
	img := unsignedImage("Example Corp", 1600000000)
	signed := signPE(t, img, 1, "Example Corp")
	pad, _ := pegen.Pad(signed, 100)
	appended, _ := pegen.Append(signed, 9)
	grown, _ := pegen.DirGrow(signed, 24)
	flipped, _ := pegen.Flip(signed)
	outside, _ := pegen.SetSecurityDirectory(img, len(img)-8, 4096)
	tests := []struct {
		name  string
		b     []byte
		match []bool
		kinds []string
	}{
		{"unsigned", img, nil, nil},
		{"signed", signed, []bool{true}, nil},
		{"two entries", signPE(t, img, 2, "Example Corp"), []bool{true, true}, nil},
		{"padded", pad, []bool{true}, []string{"signature-padding"}},
		{"appended", appended, []bool{true}, []string{"data-after-certificate-table"}},
		{"grown directory", grown, []bool{true}, []string{"security-directory-size"}},
		{"flipped code", flipped, []bool{false}, nil},
		{"table outside the file", outside, nil, []string{"certificate-table-invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readPE(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := matches(r); !slices.Equal(got, tt.match) {
				t.Errorf("digest matches = %v, want %v", got, tt.match)
			}
			if got := kinds(r); !slices.Equal(got, tt.kinds) {
				t.Errorf("anomalies = %v, want %v", got, tt.kinds)
			}
			if r.Meta[MetaCompanyName] != "Example Corp" || r.Meta[MetaCompileTime] != "2020-09-13T12:26:40Z" {
				t.Errorf("meta = %v", r.Meta)
			}
		})
	}
}

func TestReadHostile(t *testing.T) {
	signed := signPE(t, unsignedImage("X", 1), 1, "X")
	if _, err := readPE([]byte("MZ")); err == nil {
		t.Error("2-byte MZ accepted")
	}
	if _, err := readPE([]byte("\x7fELF........")); err == nil {
		t.Error("ELF accepted")
	}
	bad := append([]byte(nil), signed...)
	binary.LittleEndian.PutUint32(bad[0x3c:], 0xfffffff0)
	if _, err := readPE(bad); err == nil {
		t.Error("e_lfanew past the end accepted")
	}
	garbage := append([]byte(nil), signed...)
	certOff := int(binary.LittleEndian.Uint32(garbage[0x80+24+112+32:]))
	for i := certOff + 8; i < certOff+200; i++ {
		garbage[i] = 0x42
	}
	if r, err := readPE(garbage); err == nil || len(r.Sigs) != 0 {
		t.Errorf("garbage PKCS#7: %v, %d signatures", err, len(r.Sigs))
	}
	// Every truncation is an error or a partial record, never a panic.
	for n := 0; n < len(signed); n += 61 {
		readPE(signed[:n])
	}
}

func FuzzPE(f *testing.F) {
	img := unsignedImage("Seed Corp", 1)
	signed := signPE(f, img, 1, "Seed Corp")
	pad, _ := pegen.Pad(signed, 40)
	for _, b := range [][]byte{img, signed, pad} {
		f.Add(b)
	}
	// Real signed files: data after the certificate table, and a signer
	// with a negative serial.
	for _, name := range []string{"testdata/YourPhone.exe", "../testdata/realworld/kdbazis.dll"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readPE(b)
		if r == nil && err == nil {
			t.Fatal("no result and no error")
		}
	})
}

func FuzzWinCertificate(f *testing.F) {
	signed := signPE(f, unsignedImage("Seed", 1), 1, "Seed")
	l, _ := readLayout(bytes.NewReader(signed), int64(len(signed)))
	f.Add(signed[l.certOff:])
	f.Add([]byte{16, 0, 0, 0, 0, 2, 2, 0, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		tbl := walkCertTable(b, 0, authenticode.Limits{})
		for _, a := range tbl.anomalies {
			if a.Offset < 0 || a.Offset+a.Length > int64(len(b)) {
				t.Fatalf("anomaly outside the table: %+v", a)
			}
		}
	})
}

// maxReader records the largest single read.
type maxReader struct {
	r   *bytes.Reader
	max int
}

func (m *maxReader) ReadAt(p []byte, off int64) (int, error) {
	m.max = max(m.max, len(p))
	return m.r.ReadAt(p, off)
}

// TestReadStreamsOverlay: an installer's overlay is digested, not held.
func TestReadStreamsOverlay(t *testing.T) {
	img := append(unsignedImage("Setup Corp", 1), bytes.Repeat([]byte("overlay!"), 1<<20)...) // 8 MiB
	signed := signPE(t, img, 1, "Setup Corp")
	m := &maxReader{r: bytes.NewReader(signed)}
	r, err := Read(m, int64(len(signed)), Limits{})
	if err != nil || !*r.Sigs[0].Sig.DigestMatch || r.Meta[MetaCompanyName] != "Setup Corp" {
		t.Fatalf("%v %+v", err, r)
	}
	if m.max > 1<<20 {
		t.Errorf("largest read %d bytes for an %d-byte file", m.max, len(signed))
	}
	r, err = Read(bytes.NewReader(signed), int64(len(signed)), Limits{MaxImage: 100})
	if err == nil || !strings.Contains(err.Error(), "limit") || !*r.Sigs[0].Sig.DigestMatch {
		t.Errorf("image limit: %v", err)
	}
	r, err = Read(bytes.NewReader(signed), int64(len(signed)), Limits{MaxCertTable: 16})
	if err == nil || len(r.Sigs) != 0 {
		t.Errorf("certificate table limit: %v", err)
	}
}
