package codesign

import (
	"bytes"
	"context"
	"crypto"
	"os"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
)

// TestRealCatalogSignsDXCore: Microsoft's DXCore.dll, its embedded
// signature removed, is signed by the catalog that lists it by SHA-256 and
// by its SHA-1 tag (testdata/realworld/README.md): one catalog signature.
func TestRealCatalogSignsDXCore(t *testing.T) {
	x, probs, err := LoadCatalogs(os.DirFS("testdata/realworld"), ".", nil, Options{Now: func() time.Time { return now }})
	if err != nil || len(probs) != 0 || x.Len() != 1 || x.Members() != 20 {
		t.Fatalf("LoadCatalogs: %v, problems %v, %d catalogs, %d members", err, probs, x.Len(), x.Members())
	}
	ins, err := Inspect(context.Background(), "testdata/realworld/DXCore.unsigned.dll", Options{Catalogs: x, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	sigs := ins.File.Signatures
	if len(sigs) != 1 || sigs[0].Catalog != "dxcore.cat" || sigs[0].DigestAlgorithm != "sha256" ||
		sigs[0].Signer == nil || sigs[0].Signer.CommonName != "Microsoft Windows" {
		t.Fatalf("signatures %+v", sigs)
	}
	// Its SHA-1 image digest alone finds it too, through the SHA-1 tag.
	b, err := os.ReadFile("testdata/realworld/DXCore.unsigned.dll")
	if err != nil {
		t.Fatal(err)
	}
	d, err := peinfo.ImageDigests(bytes.NewReader(b), int64(len(b)), []crypto.Hash{crypto.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	if s := x.Signatures(d); len(s) != 1 || s[0].SignedDigest != "e8d77aacdaca9ef0be8c482435202251a6c456bf" {
		t.Errorf("by SHA-1: %+v", s)
	}
}
