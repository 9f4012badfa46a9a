package msi

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var props = [][2]string{
	{"ProductName", "3CX Desktop App"}, {"ProductVersion", "18.12.416"}, {"Manufacturer", "3CX Ltd"},
	{"ProductCode", "{6E0F7A2A-4E51-4B51-9D7C-3C0000018124}"},
}

func read(t testing.TB, b []byte) (*Result, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)), authenticode.Limits{})
}

// signedCFB signs the in-process database with a blob over its own digest
// (without the MsiDigitalSignatureEx pre-hash), followed by trailer.
func signedCFB(t testing.TB, trailer []byte, extra ...testStream) []byte {
	t.Helper()
	streams := append(msiTables(props), extra...)
	b := buildCFB(streams)
	d, err := openCFB(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	digest, _, err := d.digest(crypto.SHA256, false)
	if err != nil {
		t.Fatal(err)
	}
	root := testkit.CA(t, "Root")
	signer := testkit.Leaf(t, root, pkix.Name{CommonName: "3CX Ltd", Organization: []string{"3CX Ltd"}},
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), 5)
	blob := append(testkit.Marshal(t, testkit.Authenticode(t, signer, nil, digest, "3CX Desktop App")), trailer...)
	return buildCFB(append(streams, testStream{plainName(streamSignature), blob}))
}

func TestReadInProcess(t *testing.T) {
	r, err := read(t, signedCFB(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{MetaProductName: "3CX Desktop App", MetaProductVersion: "18.12.416",
		MetaManufacturer: "3CX Ltd", MetaProductCode: "{6E0F7A2A-4E51-4B51-9D7C-3C0000018124}"} {
		if r.Meta[k] != v {
			t.Errorf("Meta[%s] = %q, want %q", k, r.Meta[k], v)
		}
	}
	if len(r.Sigs) != 1 || !*r.Sigs[0].Sig.DigestMatch || r.Sigs[0].Sig.Format != "msi" {
		t.Fatalf("signature: %+v", r.Sigs)
	}
	tampered := signedCFB(t, nil)
	i := bytes.Index(tampered, []byte("18.12.416"))
	tampered[i+8] = '7'
	r, _ = read(t, tampered)
	if r.Meta[MetaProductVersion] != "18.12.417" || *r.Sigs[0].Sig.DigestMatch {
		t.Errorf("tampered: version %q, match %v", r.Meta[MetaProductVersion], *r.Sigs[0].Sig.DigestMatch)
	}
}

func TestReadSignatureAnomalies(t *testing.T) {
	r, err := read(t, signedCFB(t, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xed, 0xfa, 0xce}))
	if err != nil || len(r.Anomalies) != 1 || r.Anomalies[0].Kind != "signature-padding" || !*r.Sigs[0].Sig.DigestMatch {
		t.Fatalf("padded signature stream: %v %+v", err, r.Anomalies)
	}
	if r, _ := read(t, signedCFB(t, []byte{0, 0, 0})); len(r.Anomalies) != 0 {
		t.Errorf("alignment zeros flagged: %+v", r.Anomalies)
	}
	ex := testStream{plainName(streamSignatureEx), bytes.Repeat([]byte{7}, 32)}
	r, err = read(t, buildCFB(append(msiTables(props), ex, testStream{plainName(streamSignature), signatureOf(t, signedCFB(t, nil))})))
	if err != nil || len(r.Anomalies) != 1 || r.Anomalies[0].Kind != "digest-mismatch" ||
		!strings.Contains(r.Anomalies[0].Detail, "MsiDigitalSignatureEx") || *r.Sigs[0].Sig.DigestMatch {
		t.Fatalf("forged MsiDigitalSignatureEx: %v %+v", err, r.Anomalies)
	}
}

// signatureOf extracts the DigitalSignature stream of an in-process file.
func signatureOf(t *testing.T, b []byte) []byte {
	d, err := openCFB(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	kids, _ := d.children(&d.entries[0])
	for _, k := range kids {
		if name(k) == streamSignature {
			s, err := d.readStream(k, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatal("no signature stream")
	return nil
}

// TestReadNotMSI: a compound file without MSI tables (a legacy Office
// document) is no error and has no MSI metadata.
func TestReadNotMSI(t *testing.T) {
	r, err := read(t, buildCFB([]testStream{{plainName("WordDocument"), []byte("text")}}))
	if err != nil || len(r.Meta) != 0 || len(r.Sigs) != 0 {
		t.Fatalf("%v %+v", err, r)
	}
}

func TestDecodeName(t *testing.T) {
	for _, s := range []string{"!_StringPool", "!Property", "!_Columns", "Binary.icon", "a"} {
		if got := decodeName(encodeName(s)); got != s {
			t.Errorf("decodeName(encodeName(%q)) = %q", s, got)
		}
	}
	if got := decodeName(plainName("\x05SummaryInformation")); got != "\x05SummaryInformation" {
		t.Errorf("plain name decoded to %q", got)
	}
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file  string
		sigs  int
		match bool
		kinds string
	}{
		{"unsigned.msi", 0, false, ""},
		{"signed.msi", 1, true, ""},
		{"signed-nodse.msi", 1, true, ""},
		{"tampered.msi", 1, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := read(t, testkit.Read(t, "msi/"+tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.Meta[MetaProductName] != "3CX Desktop App" || r.Meta[MetaProductVersion] != "18.12.416" ||
				r.Meta[MetaManufacturer] != "3CX Ltd" || r.Meta[MetaProductCode] != "{6E0F7A2A-4E51-4B51-9D7C-3C0000018124}" ||
				r.Meta[MetaUpgradeCode] != "{5C1E3B4E-2F4E-4C5B-8C1D-3C0000000001}" || r.Meta[MetaAuthor] != "3CX Ltd" {
				t.Errorf("meta = %v", r.Meta)
			}
			if len(r.Sigs) != tt.sigs || len(r.Anomalies) != 0 {
				t.Fatalf("%d signatures, anomalies %+v", len(r.Sigs), r.Anomalies)
			}
			if tt.sigs > 0 && *r.Sigs[0].Sig.DigestMatch != tt.match {
				t.Errorf("digest match = %v, want %v", *r.Sigs[0].Sig.DigestMatch, tt.match)
			}
		})
	}
}

func TestReadHostile(t *testing.T) {
	good := buildCFB(msiTables(props))
	le := binary.LittleEndian
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	dirOff := 512 * 2 // the directory is sector 1
	tests := []struct {
		name, want string
		b          []byte
	}{
		{"not a compound file", "not a compound file", []byte(strings.Repeat("x", 600))},
		{"short", "header", good[:100]},
		{"sector shift", "sector shift", mutate(func(b []byte) { le.PutUint16(b[30:], 28) })},
		{"absurd FAT count", "FAT sectors", mutate(func(b []byte) { le.PutUint32(b[44:], 0x7fffffff) })},
		{"FAT cycle", "cyclic", mutate(func(b []byte) { le.PutUint32(b[512+4*2:], 2) })},
		{"directory tree cycle", "cyclic", mutate(func(b []byte) { le.PutUint32(b[dirOff+128+72:], 1) })},
		{"directory link out of range", "out of range", mutate(func(b []byte) { le.PutUint32(b[dirOff+128+72:], 999) })},
		{"stream larger than its chain", "cannot hold", mutate(func(b []byte) { le.PutUint32(b[dirOff+128+120:], 1<<20) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(t, tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzMSI(f *testing.F) {
	f.Add(buildCFB(msiTables(props)))
	f.Add(signedCFB(f, nil))
	if d := os.Getenv(testkit.EnvDir); d != "" {
		for _, n := range []string{"signed.msi", "unsigned.msi"} {
			if b, err := os.ReadFile(d + "/msi/" + n); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := read(t, b)
		if r == nil && err == nil {
			t.Fatal("no result and no error")
		}
	})
}
