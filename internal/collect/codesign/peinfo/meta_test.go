package peinfo

import (
	"os"
	"strings"
	"testing"
)

// TestMetaProblem: YourPhone.exe's RT_VERSION leaf points at certificate
// bytes (python3-pefile warns "Invalid VS_VERSION_INFO block" too). The
// record keeps its other facts and says where and why.
func TestMetaProblem(t *testing.T) {
	b, err := os.ReadFile("testdata/YourPhone.exe")
	if err != nil {
		t.Fatal(err)
	}
	r, err := readPE(b)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Meta[MetaProblem]
	if !strings.Contains(p, "VS_VERSIONINFO at 0x5900") || !strings.Contains(p, "not VS_VERSION_INFO") || len(p) > maxMetaValue {
		t.Errorf("problem = %q", p)
	}
	if r.Meta[MetaCompanyName] != "" || r.Meta[MetaMachine] == "" || r.Meta[MetaCompileTime] == "" {
		t.Errorf("meta = %v", r.Meta)
	}
	// A well-formed image has no problem note.
	r, err = readPE(unsignedImage("Fine Corp", 1))
	if err != nil || r.Meta[MetaProblem] != "" || r.Meta[MetaCompanyName] != "Fine Corp" {
		t.Errorf("clean image: %v %v", err, r.Meta)
	}
}
