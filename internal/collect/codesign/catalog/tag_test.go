package catalog

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/catgen"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealCatalog reads a Microsoft catalog (testdata/realworld/README.md
// in the codesign package): 20 members, the 10 SHA-1 ones known by their
// tag and a CAT_MEMBERINFO2 only. DXCore.dll is listed by SHA-256 and by
// its SHA-1 tag; either finds it, and the catalog is cited once.
func TestRealCatalog(t *testing.T) {
	b, err := os.ReadFile("../testdata/realworld/dxcore.cat")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	byTag := 0
	for _, m := range c.Members {
		if m.ByTag {
			byTag++
			if m.Hash != crypto.SHA1 || m.File == "" && m.Tag != hex.EncodeToString(m.Digest) {
				t.Errorf("tag member %+v", m)
			}
		}
	}
	if len(c.Members) != 20 || byTag != 10 || len(c.Problems) != 0 {
		t.Fatalf("%d members (%d by tag), problems %v", len(c.Members), byTag, c.Problems)
	}
	if v := c.Sig.SignatureVerified; v == nil || !*v || c.Sig.Signer == nil || c.Sig.Signer.Organization != "Microsoft Corporation" {
		t.Errorf("catalog signature %+v", c.Sig)
	}
	x := &Index{}
	x.add("dxcore.cat", c)
	x.sort()
	sha1 := mustHex(t, "e8d77aacdaca9ef0be8c482435202251a6c456bf")
	sha256 := mustHex(t, "06fa542ca0a1626e11e99e79896c9eaa79b5cfc3f9ad0ac8b84d4b2e8c5a292c")
	tests := []struct {
		name    string
		digests map[crypto.Hash][]byte
		alg     string
	}{
		{"both digests: cited once, for SHA-256", map[crypto.Hash][]byte{crypto.SHA1: sha1, crypto.SHA256: sha256}, "sha256"},
		{"SHA-1 tag only", map[crypto.Hash][]byte{crypto.SHA1: sha1}, "sha1"},
		{"SHA-256 only", map[crypto.Hash][]byte{crypto.SHA256: sha256}, "sha256"},
	}
	for _, tt := range tests {
		sigs := x.Signatures(tt.digests)
		if len(sigs) != 1 || sigs[0].DigestAlgorithm != tt.alg || sigs[0].Catalog != "dxcore.cat" {
			t.Errorf("%s: %+v", tt.name, sigs)
		}
	}
}

// TestTagOnlyMembers: catgen writes the tag-only layout, and Parse reads
// it back; a member without SpcIndirectDataContent or CAT_MEMBERINFO2 is
// still a problem.
func TestTagOnlyMembers(t *testing.T) {
	p := newPKI(t)
	a256, a1, b1 := digest(crypto.SHA256, "a"), digest(crypto.SHA1, "a"), digest(crypto.SHA1, "b")
	blob := p.build(t, true, catgen.Member{File: "a.dll", Digest: a256}, catgen.Member{Digest: a1, TagOnly: true},
		catgen.Member{Digest: b1, TagOnly: true})
	c, err := Parse(blob, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 3 || len(c.Problems) != 0 {
		t.Fatalf("members %+v, problems %v", c.Members, c.Problems)
	}
	if m := c.Members[2]; !m.ByTag || m.Hash != crypto.SHA1 || !bytes.Equal(m.Digest, b1) || m.Tag != hex.EncodeToString(b1) {
		t.Errorf("tag member %+v", m)
	}
	if m := c.Members[0]; m.ByTag || m.File != "a.dll" {
		t.Errorf("named member %+v", m)
	}
	x := &Index{}
	x.add("t.cat", c)
	x.sort()
	if s := x.Signatures(map[crypto.Hash][]byte{crypto.SHA1: b1, crypto.SHA256: digest(crypto.SHA256, "b")}); len(s) != 1 || s[0].DigestAlgorithm != "sha1" {
		t.Errorf("listed by SHA-1 tag only: %+v", s)
	}
	if s := x.Signatures(map[crypto.Hash][]byte{crypto.SHA1: a1, crypto.SHA256: a256}); len(s) != 1 || s[0].DigestAlgorithm != "sha256" {
		t.Errorf("listed both ways: %+v", s)
	}
	// Without CAT_MEMBERINFO2 a bare tag is not taken for a digest.
	bare := bytes.Replace(blob, oidMemberInfo2, append(bytes.Clone(oidMemberInfo2[:len(oidMemberInfo2)-1]), 0x7f), -1)
	c, err = Parse(bare, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 1 || len(c.Problems) != 2 {
		t.Errorf("without CAT_MEMBERINFO2: members %+v, problems %v", c.Members, c.Problems)
	}
}

// TestCurveBallCatalog: a catalog whose signature embeds a CA with
// explicit EC curve parameters (cms/testdata/gen.sh) says so when parsed,
// and Load reports it with the catalog's path.
func TestCurveBallCatalog(t *testing.T) {
	b, err := os.ReadFile("../cms/testdata/explicit-ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("explicit-ca.pem: no PEM block")
	}
	p := newPKI(t)
	// x509 cannot parse the CA; the builder only needs its DER.
	blob, err := catgen.Build([]catgen.Member{{File: "a.dll", Digest: digest(crypto.SHA256, "a")}},
		catgen.Options{Cert: p.signer.Cert, Key: p.signer.Key, Chain: []*x509.Certificate{{Raw: blk.Bytes}}, SHA256: true, ThisUpdate: when})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(blob, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Anomalies) != 1 || c.Anomalies[0].Kind != "explicit-curve-certificate" || len(c.Members) != 1 {
		t.Fatalf("anomalies %+v, %d members", c.Anomalies, len(c.Members))
	}
	_, probs := Load(fstest.MapFS{"c/bad.cat": {Data: blob}}, "c", LoadOptions{})
	if len(probs) != 1 || probs[0].Path != "c/bad.cat" || !strings.Contains(probs[0].Err.Error(), "CVE-2020-0601") {
		t.Errorf("problems %v", probs)
	}
}
