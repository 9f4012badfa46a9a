package peinfo

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/codesign/authenticode"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
)

// pkcs7Blob returns the DER PKCS#7 signature of an in-process signed image.
func pkcs7Blob(t *testing.T) []byte {
	t.Helper()
	signed := signPE(t, unsignedImage("Edge Corp", 1), 1, "Edge Corp")
	l, err := readLayout(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	content := signed[l.certOff+8 : l.certOff+l.certSize]
	n, err := cms.ObjectLen(content)
	if err != nil {
		t.Fatal(err)
	}
	return content[:n]
}

// winCert builds one WIN_CERTIFICATE: dwLength covers header, blob and
// extra; the entry is then zero-filled to a multiple of 8.
func winCert(blob, extra []byte, dwDelta int) []byte {
	e := make([]byte, 8, 8+len(blob)+len(extra)+8)
	binary.LittleEndian.PutUint32(e, uint32(8+len(blob)+len(extra)+dwDelta))
	binary.LittleEndian.PutUint16(e[4:], 0x0200)
	binary.LittleEndian.PutUint16(e[6:], certTypePKCS7)
	e = append(append(e, blob...), extra...)
	for len(e)%8 != 0 {
		e = append(e, 0)
	}
	return e
}

// TestCertTableBoundaries pins where alignment ends and padding begins
// inside a WIN_CERTIFICATE, and how dwLength must agree with the security
// directory size: each case sits on one side of a boundary.
func TestCertTableBoundaries(t *testing.T) {
	blob := pkcs7Blob(t)
	// dwLength ends right after the extra bytes, so they are exactly
	// what follows the PKCS#7 blob inside its entry.
	zeros := func(n int) []byte { return make([]byte, n) }
	emptyEntry := []byte{8, 0, 0, 0, 0, 2, 1, 0} // dwLength 8, X.509 type, no content
	tests := []struct {
		name  string
		table []byte
		sigs  int
		kinds []string
	}{
		{"no padding", winCert(blob, nil, 0), 1, nil},
		{"1 zero byte", winCert(blob, zeros(1), 0), 1, nil},
		{"7 zero bytes: alignment", winCert(blob, zeros(7), 0), 1, nil},
		{"8 zero bytes: padding", winCert(blob, zeros(8), 0), 1, []string{"signature-padding"}},
		{"9 zero bytes", winCert(blob, zeros(9), 0), 1, []string{"signature-padding"}},
		{"1 non-zero byte", winCert(blob, []byte{1}, 0), 1, []string{"signature-padding"}},
		{"7 bytes, last non-zero", winCert(blob, []byte{0, 0, 0, 0, 0, 0, 0x41}, 0), 1, []string{"signature-padding"}},
		{"directory 1 byte past the entries", append(winCert(blob, nil, 0), 0), 1, []string{"security-directory-size"}},
		{"directory 7 bytes past the entries", append(winCert(blob, nil, 0), zeros(7)...), 1, []string{"security-directory-size"}},
		{"directory 8 bytes past the entries", append(winCert(blob, nil, 0), zeros(8)...), 1, []string{"security-directory-size"}},
		{"an empty 8-byte entry ends the directory", append(winCert(blob, nil, 0), emptyEntry...), 1, nil},
		{"two entries", append(winCert(blob, zeros(3), 0), winCert(blob, nil, 0)...), 2, nil},
		{"dwLength 1 byte past the directory", winCert(blob, nil, len(winCert(blob, nil, 0))-8-len(blob)+1), 0, []string{"security-directory-size"}},
		{"dwLength below a header", append([]byte{7, 0, 0, 0, 0, 2, 2, 0}, winCert(blob, nil, 0)...), 0, []string{"security-directory-size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := walkCertTable(tt.table, 0x1000, authenticode.Limits{})
			var got []string
			for _, a := range tbl.anomalies {
				got = append(got, a.Kind)
				if a.Offset < 0x1000 || a.Offset+a.Length > 0x1000+int64(len(tt.table)) {
					t.Errorf("anomaly outside the table: %+v", a)
				}
			}
			if !slices.Equal(got, tt.kinds) {
				t.Errorf("anomalies = %v, want %v", got, tt.kinds)
			}
			if len(tbl.sigs) != tt.sigs {
				t.Errorf("%d signatures, want %d (errors %v)", len(tbl.sigs), tt.sigs, tbl.errs)
			}
		})
	}
}

// TestDataAfterCertificateTable: bytes after the certificate table are not
// hashed as if signed. In-process, appending bytes to a signed image leaves
// its signed part intact; Microsoft's YourPhone.exe (uthenticode's test
// asset, testdata/README.md), whose signature osslsigncode refuses because
// 2,600 bytes follow the table, does not verify.
func TestDataAfterCertificateTable(t *testing.T) {
	real, err := os.ReadFile("testdata/YourPhone.exe")
	if err != nil {
		t.Fatal(err)
	}
	signed := signPE(t, unsignedImage("Tail Corp", 1), 1, "Tail Corp")
	tests := []struct {
		name   string
		b      []byte
		match  bool
		offset int64
		length int64
	}{
		{"in-process, 1 byte appended", append(bytes.Clone(signed), 0), true, int64(len(signed)), 1},
		{"in-process, 4096 bytes appended", append(bytes.Clone(signed), make([]byte, 4096)...), true, int64(len(signed)), 4096},
		{"YourPhone.exe", real, false, 0x7f78, 2600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readPE(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := matches(r); !slices.Equal(got, []bool{tt.match}) {
				t.Errorf("digest matches = %v, want [%v]", got, tt.match)
			}
			if len(r.Anomalies) != 1 || r.Anomalies[0].Kind != "data-after-certificate-table" ||
				r.Anomalies[0].Offset != tt.offset || r.Anomalies[0].Length != tt.length {
				t.Errorf("anomalies = %+v, want data-after-certificate-table at %#x+%d", r.Anomalies, tt.offset, tt.length)
			}
		})
	}
}
