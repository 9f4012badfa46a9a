package authenticode

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/cmsbuild"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

var (
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2030 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

type pki struct {
	root, signer, other, tsa testkit.Cert
}

func newPKI(t testing.TB) pki {
	root := testkit.CA(t, "Test Root")
	return pki{
		root:   root,
		signer: testkit.Leaf(t, root, pkix.Name{CommonName: "3CX Ltd", Organization: []string{"3CX Ltd"}}, t2020, t2030, 0x1001),
		other:  testkit.Leaf(t, root, pkix.Name{CommonName: "Nested Signer"}, t2020, t2030, 0x1002),
		tsa:    testkit.Leaf(t, root, pkix.Name{CommonName: "Test TSA"}, t2020, t2030, 0x1003, x509.ExtKeyUsageTimeStamping),
	}
}

var fileDigest = sha256.Sum256([]byte("the image"))

func TestParseBuilt(t *testing.T) {
	p := newPKI(t)
	psd := testkit.Authenticode(t, p.signer, []*x509.Certificate{p.root.Cert}, fileDigest[:], "3CX Desktop App")
	blob := append(testkit.Marshal(t, psd), 0, 0, 0)
	sigs, rest, err := Parse(blob, snapshot.SigAuthenticode, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || !bytes.Equal(rest, []byte{0, 0, 0}) {
		t.Fatalf("got %d signatures, rest %x", len(sigs), rest)
	}
	s := sigs[0]
	if s.Sig.Error != "" || s.Sig.Signer == nil || s.Sig.Signer.CommonName != "3CX Ltd" || s.Sig.ProgramName != "3CX Desktop App" ||
		s.Sig.DigestAlgorithm != "sha256" || s.Sig.SignedDigest != hex.EncodeToString(fileDigest[:]) || s.Hash != crypto.SHA256 ||
		s.Sig.SignatureVerified == nil || !*s.Sig.SignatureVerified || len(s.Sig.Chain) != 2 || !s.Subject.Equal(OIDPEImageData) {
		t.Fatalf("record = %+v", s.Sig)
	}
	s.SetComputed(fileDigest[:])
	if !*s.Sig.DigestMatch {
		t.Error("digest should match")
	}
	s.SetComputed(make([]byte, 32))
	if *s.Sig.DigestMatch {
		t.Error("digest should not match")
	}
	s.CheckChain(cms.NewRoots([]*x509.Certificate{p.root.Cert}), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if s.Sig.ChainVerified == nil || !*s.Sig.ChainVerified {
		t.Errorf("chain: %v %s", s.Sig.ChainVerified, s.Sig.ChainError)
	}
	s.CheckChain(cms.NewRoots(nil), time.Now())
	if s.Sig.ChainVerified != nil || s.Sig.ChainError != cms.NoRoots {
		t.Errorf("no roots: %v %q", s.Sig.ChainVerified, s.Sig.ChainError)
	}
}

func TestParseTamperedSignature(t *testing.T) {
	p := newPKI(t)
	psd := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "app")
	si := psd.Signers[0]
	si.Signature[len(si.Signature)-1] ^= 1
	sigs, _, err := Parse(testkit.Marshal(t, psd), snapshot.SigAuthenticode, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v := sigs[0].Sig.SignatureVerified; v == nil || *v || sigs[0].Sig.Signer == nil {
		t.Fatalf("tampered signature: verified=%v signer=%v", v, sigs[0].Sig.Signer)
	}
}

func TestParseNested(t *testing.T) {
	p := newPKI(t)
	outer := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "primary")
	inner := testkit.Authenticode(t, p.other, nil, fileDigest[:], "nested")
	testkit.Nest(t, outer, inner)
	sigs, _, err := Parse(testkit.Marshal(t, outer), snapshot.SigAuthenticode, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 || sigs[0].Sig.Nested || !sigs[1].Sig.Nested || sigs[1].Sig.Signer.CommonName != "Nested Signer" ||
		!*sigs[1].Sig.SignatureVerified {
		t.Fatalf("nested: %+v", sigs)
	}
}

// TestParseRecursiveNesting nests signatures ten deep: the walk stops at
// the limit and says so.
func TestParseRecursiveNesting(t *testing.T) {
	p := newPKI(t)
	cur := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "level 10")
	for i := 9; i >= 0; i-- {
		outer := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "level")
		testkit.Nest(t, outer, cur)
		cur = outer
	}
	sigs, _, err := Parse(testkit.Marshal(t, cur), snapshot.SigAuthenticode, Limits{MaxNesting: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 4 || !strings.Contains(sigs[3].Sig.Error, "deeper than 3") {
		t.Fatalf("got %d signatures, last error %q", len(sigs), sigs[len(sigs)-1].Sig.Error)
	}
	// Many siblings: the total cap applies.
	outer := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "many")
	for i := 0; i < 20; i++ {
		testkit.Nest(t, outer, testkit.Authenticode(t, p.other, nil, fileDigest[:], "sibling"))
	}
	sigs, _, _ = Parse(testkit.Marshal(t, outer), snapshot.SigAuthenticode, Limits{MaxSignatures: 5})
	if len(sigs) != 5 || !strings.Contains(sigs[0].Sig.Error, "more than 5") {
		t.Fatalf("siblings: %d signatures, error %q", len(sigs), sigs[0].Sig.Error)
	}
}

func TestParseLegacyCountersignature(t *testing.T) {
	p := newPKI(t)
	when := time.Date(2023, 3, 3, 0, 0, 0, 0, time.UTC)
	for _, tamper := range []bool{false, true} {
		psd := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "app")
		si := psd.Signers[0]
		stamped := si.Signature
		if tamper {
			stamped = []byte("some other signature")
		}
		ts, err := cmsbuild.Sign(p.tsa.Key, p.tsa.Cert, crypto.SHA256, stamped,
			[]cmsbuild.Attr{{Type: cmsbuild.OIDSigningTime, Values: [][]byte{cmsbuild.UTCTime(when)}}})
		if err != nil {
			t.Fatal(err)
		}
		si.AddUnsigned(cms.OIDCounterSignature, ts.Marshal())
		psd.Certs = append(psd.Certs, p.tsa.Cert.Raw)
		sigs, _, err := Parse(testkit.Marshal(t, psd), snapshot.SigAuthenticode, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		s := sigs[0]
		ts2 := s.Sig.Timestamp
		if ts2 == nil || ts2.Kind != cms.KindLegacy || !ts2.Time.Equal(when) || ts2.Authority != "CN=Test TSA" || *ts2.Verified == tamper {
			t.Fatalf("tamper=%v: timestamp %+v", tamper, ts2)
		}
		s.CheckChain(cms.NewRoots([]*x509.Certificate{p.root.Cert}), time.Now())
		if !tamper && (ts2.ChainVerified == nil || !*ts2.ChainVerified || !*s.Sig.ChainVerified) {
			t.Errorf("chains at the stamped time: tsa %v %s, signer %v %s", ts2.ChainVerified, ts2.ChainError, s.Sig.ChainVerified, s.Sig.ChainError)
		}
	}
}

func TestParseRejects(t *testing.T) {
	p := newPKI(t)
	data := testkit.Authenticode(t, p.signer, nil, fileDigest[:], "x")
	data.ContentType, data.Content = cmsbuild.OIDData, cmsbuild.OctetString([]byte("not indirect data"))
	sigs, _, err := Parse(testkit.Marshal(t, data), snapshot.SigAuthenticode, Limits{})
	if err != nil || !strings.Contains(sigs[0].Sig.Error, "not Authenticode") {
		t.Fatalf("non-Authenticode content: %v %+v", err, sigs)
	}
	for _, junk := range [][]byte{nil, {0x30}, []byte("MZ not a signature"), bytes.Repeat([]byte{0x30, 0x80}, 50)} {
		if _, _, err := Parse(junk, snapshot.SigAuthenticode, Limits{}); err == nil {
			t.Errorf("Parse(%q) succeeded", junk)
		}
	}
}

func FuzzAuthenticode(f *testing.F) {
	p := newPKI(f)
	outer := testkit.Authenticode(f, p.signer, []*x509.Certificate{p.root.Cert}, fileDigest[:], "seed")
	testkit.Nest(f, outer, testkit.Authenticode(f, p.other, nil, fileDigest[:], "nested"))
	seed := outer.Marshal()
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		sigs, _, err := Parse(b, snapshot.SigAuthenticode, Limits{})
		if err == nil && len(sigs) == 0 {
			t.Fatal("no error and no signature")
		}
		for _, s := range sigs {
			if s.Sig.Signer != nil && s.Sig.Signer.SHA256 == "" {
				t.Fatal("signer without thumbprint")
			}
		}
	})
}
