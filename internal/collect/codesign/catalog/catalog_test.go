package catalog

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/catgen"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var when = time.Date(2023, 3, 2, 23, 50, 0, 0, time.UTC)

type pki struct {
	root, signer testkit.Cert
}

func newPKI(t testing.TB) pki {
	root := testkit.CA(t, "Catalog Test Root")
	signer := testkit.Leaf(t, root, pkix.Name{CommonName: "Catalog Test Windows"}, when.AddDate(-1, 0, 0), when.AddDate(5, 0, 0), 7)
	return pki{root: root, signer: signer}
}

func (p pki) build(t testing.TB, sha256 bool, members ...catgen.Member) []byte {
	t.Helper()
	b, err := catgen.Build(members, catgen.Options{Cert: p.signer.Cert, Key: p.signer.Key, SHA256: sha256,
		ListID: []byte("list-1"), ThisUpdate: when})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func digest(h crypto.Hash, s string) []byte {
	if h == crypto.SHA1 {
		d := sha1.Sum([]byte(s))
		return d[:]
	}
	d := sha256.Sum256([]byte(s))
	return d[:]
}

func TestParse(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		name   string
		sha256 bool
		hash   crypto.Hash
	}{
		{"members by SHA-1", false, crypto.SHA1},
		{"members by SHA-256", true, crypto.SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := digest(tc.hash, "a"), digest(tc.hash, "b")
			blob := p.build(t, tc.sha256, catgen.Member{File: "ntdll.dll", Digest: a}, catgen.Member{File: "kernel32.dll", Digest: b})
			c, err := Parse(blob, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Members) != 2 || len(c.Problems) != 0 {
				t.Fatalf("members %+v, problems %v", c.Members, c.Problems)
			}
			m := c.Members[0]
			if m.File != "ntdll.dll" || m.Hash != tc.hash || !bytes.Equal(m.Digest, a) || m.Tag != "" {
				t.Errorf("member 0 = %+v", m)
			}
			if c.ListID != hex.EncodeToString([]byte("list-1")) || !c.ThisUpdate.Equal(when) {
				t.Errorf("list %s at %v", c.ListID, c.ThisUpdate)
			}
			if c.Sig.Format != snapshot.SigCatalog || c.Sig.Signer == nil || c.Sig.Signer.CommonName != "Catalog Test Windows" {
				t.Errorf("signature %+v", c.Sig)
			}
			if v := c.Sig.SignatureVerified; v == nil || !*v {
				t.Errorf("signature not verified: %s", c.Sig.SignatureError)
			}
			c.CheckChain(cms.NewRoots([]*x509.Certificate{p.root.Cert}), when)
			if v := c.Sig.ChainVerified; v == nil || !*v {
				t.Errorf("chain not verified: %s", c.Sig.ChainError)
			}
			c.CheckChain(cms.NewRoots([]*x509.Certificate{testkit.CA(t, "Another Root").Cert}), when)
			if v := c.Sig.ChainVerified; v == nil || *v {
				t.Errorf("chain verified against another root")
			}
		})
	}
}

func TestParseTampered(t *testing.T) {
	p := newPKI(t)
	a := digest(crypto.SHA256, "a")
	blob := p.build(t, true, catgen.Member{File: "ntdll.dll", Digest: a})
	// Swap the listed digest for another: the catalog still parses, but
	// its signature no longer holds.
	i := bytes.Index(blob, a)
	if i < 0 {
		t.Fatal("digest not found in the catalog")
	}
	forged := digest(crypto.SHA256, "evil")
	copy(blob[i:], forged)
	c, err := Parse(blob, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 1 || !bytes.Equal(c.Members[0].Digest, forged) {
		t.Fatalf("members %+v", c.Members)
	}
	if v := c.Sig.SignatureVerified; v == nil || *v {
		t.Errorf("a catalog whose member was changed verifies")
	}
}

func TestParseErrors(t *testing.T) {
	p := newPKI(t)
	auth := testkit.Marshal(t, testkit.Authenticode(t, p.signer, nil, digest(crypto.SHA256, "x"), "prog"))
	good := p.build(t, true, catgen.Member{File: "a.dll", Digest: digest(crypto.SHA256, "a")})
	for _, tc := range []struct {
		name, blob, want string
	}{
		{"empty", "", "decoding PKCS#7"},
		{"garbage", "not a catalog", "decoding PKCS#7"},
		{"an Authenticode signature", string(auth), "is not a certificate trust list"},
		{"truncated", string(good[:len(good)/2]), "decoding PKCS#7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.blob), 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseMemberLimit(t *testing.T) {
	p := newPKI(t)
	var ms []catgen.Member
	for _, s := range []string{"a", "b", "c"} {
		ms = append(ms, catgen.Member{File: s + ".dll", Digest: digest(crypto.SHA1, s)})
	}
	c, err := Parse(p.build(t, false, ms...), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 2 || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], "more than 2 members") {
		t.Errorf("members %d, problems %v", len(c.Members), c.Problems)
	}
}

func TestParseProblemLimit(t *testing.T) {
	p := newPKI(t)
	var ms []catgen.Member
	for i := range 15 {
		ms = append(ms, catgen.Member{File: fmt.Sprintf("%d.dll", i), Digest: digest(crypto.SHA1, fmt.Sprint(i))})
	}
	blob := p.build(t, false, ms...)
	// Rename every member's SpcIndirectDataContent attribute: no member
	// has a digest any more.
	renamed := append(slices.Clone(oidIndirectData[:len(oidIndirectData)-1]), 0x7f)
	blob = bytes.ReplaceAll(blob, oidIndirectData, renamed)
	c, err := Parse(blob, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Members) != 0 || len(c.Problems) != maxProblems+1 || c.Problems[maxProblems] != "and 5 more" ||
		!strings.Contains(c.Problems[0], "no SpcIndirectDataContent digest") {
		t.Errorf("members %d, problems %q", len(c.Members), c.Problems)
	}
}

func TestLoadAndLookup(t *testing.T) {
	p := newPKI(t)
	a1, a256 := digest(crypto.SHA1, "a"), digest(crypto.SHA256, "a")
	b256 := digest(crypto.SHA256, "b")
	fsys := fstest.MapFS{
		"CatRoot/{G}/one.cat":    {Data: p.build(t, true, catgen.Member{File: "a.dll", Digest: a256}, catgen.Member{File: "b.dll", Digest: b256})},
		"CatRoot/{G}/old.CAT":    {Data: p.build(t, false, catgen.Member{File: "a.dll", Digest: a1})},
		"CatRoot/{G}/broken.cat": {Data: []byte("garbage")},
		"CatRoot/{G}/big.cat":    {Data: bytes.Repeat([]byte{0x30}, 20000)},
		"CatRoot/{G}/notes.txt":  {Data: []byte("not a catalog")},
	}
	x, probs := Load(fsys, "CatRoot", LoadOptions{MaxFile: 10000, Roots: cms.NewRoots([]*x509.Certificate{p.root.Cert}), Now: when,
		Display: func(s string) string { return `C:\Windows\System32\` + strings.ReplaceAll(s, "/", `\`) }})
	if x.Len() != 2 || x.Members() != 3 {
		t.Errorf("%d catalogs, %d members; want 2, 3", x.Len(), x.Members())
	}
	got := map[string]string{}
	for _, pr := range probs {
		got[pr.Path] = pr.Err.Error()
	}
	if !strings.Contains(got["CatRoot/{G}/broken.cat"], "decoding PKCS#7") || !strings.Contains(got["CatRoot/{G}/big.cat"], "10000-byte limit") || len(got) != 2 {
		t.Errorf("problems %v", got)
	}

	sigs := x.Signatures(map[crypto.Hash][]byte{crypto.SHA1: a1, crypto.SHA256: a256})
	if len(sigs) != 2 {
		t.Fatalf("a.dll is in %d catalogs, want 2: %+v", len(sigs), sigs)
	}
	var names []string
	for _, s := range sigs {
		names = append(names, s.Catalog+" "+s.CatalogMember+" "+s.DigestAlgorithm)
		if v := s.ChainVerified; v == nil || !*v || s.DigestMatch == nil || !*s.DigestMatch || s.Signer.CommonName != "Catalog Test Windows" {
			t.Errorf("signature %+v", s)
		}
	}
	want := []string{`C:\Windows\System32\CatRoot\{G}\old.CAT a.dll sha1`, `C:\Windows\System32\CatRoot\{G}\one.cat a.dll sha256`}
	if strings.Join(names, "|") != strings.Join(want, "|") && strings.Join(names, "|") != want[1]+"|"+want[0] {
		t.Errorf("listings %q, want %q", names, want)
	}
	if s := x.Signatures(map[crypto.Hash][]byte{crypto.SHA256: digest(crypto.SHA256, "c")}); len(s) != 0 {
		t.Errorf("an unlisted digest is found: %+v", s)
	}
}

func TestLoadLimits(t *testing.T) {
	p := newPKI(t)
	cat := func(s string) *fstest.MapFile {
		return &fstest.MapFile{Data: p.build(t, true, catgen.Member{File: strings.Repeat("é", 400) + ".dll", Digest: digest(crypto.SHA256, s)},
			catgen.Member{File: s + ".dll", Digest: digest(crypto.SHA256, s+"2")})}
	}
	fsys := fstest.MapFS{"c/1.cat": cat("a"), "c/2.cat": cat("b"), "c/3.cat": cat("c")}
	x, probs := Load(fsys, "c", LoadOptions{MaxTotalMembers: 4})
	if x.Len() != 2 || x.Members() != 4 || len(probs) != 1 || !strings.Contains(probs[0].Err.Error(), "the first is c/3.cat") {
		t.Errorf("%d catalogs, %d members, problems %v", x.Len(), x.Members(), probs)
	}
	s := x.Signatures(map[crypto.Hash][]byte{crypto.SHA256: digest(crypto.SHA256, "a")})
	if len(s) != 1 || len(s[0].CatalogMember) > maxName || !utf8.ValidString(s[0].CatalogMember) || !strings.HasPrefix(s[0].CatalogMember, "éé") {
		t.Errorf("a long name kept as %+v", s)
	}
}

// TestFixtureCatalogs reads the catalogs signed.sh writes, which
// osslsigncode (an implementation that reads real Windows catalogs) has
// already checked, and finds the PE files they list by their image digests.
func TestFixtureCatalogs(t *testing.T) {
	dir := testkit.Dir(t)
	x, probs := Load(os.DirFS(dir), "cat", LoadOptions{Roots: cms.NewRoots([]*x509.Certificate{testkit.Root(t)}), Now: when})
	if len(probs) != 0 || x.Len() != 2 {
		t.Fatalf("%d catalogs, problems %v", x.Len(), probs)
	}
	for _, tc := range []struct {
		file, member string
		want         []string
	}{
		{"unsigned.exe", "unsigned.exe", []string{"cascade-sha256.cat sha256"}},
		{"go-unsigned.exe", "go-unsigned.exe", []string{"cascade-sha1.cat sha1", "cascade-sha256.cat sha256"}},
		// Signing does not change the image digest: a signed copy of
		// a listed file is still listed.
		{"signed.exe", "unsigned.exe", []string{"cascade-sha256.cat sha256"}},
		{"vendor.exe", "", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "pe", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			d, err := peinfo.ImageDigests(f, st.Size(), x.Hashes())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range x.Signatures(d) {
				got = append(got, filepath.Base(s.Catalog)+" "+s.DigestAlgorithm)
				if s.CatalogMember != tc.member || s.ChainVerified == nil || !*s.ChainVerified {
					t.Errorf("listing %+v", s)
				}
			}
			if strings.Join(sorted(got), ",") != strings.Join(tc.want, ",") {
				t.Errorf("listed in %q, want %q", got, tc.want)
			}
		})
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func FuzzParse(f *testing.F) {
	p := newPKI(f)
	f.Add(p.build(f, true, catgen.Member{File: "a.dll", Digest: digest(crypto.SHA256, "a")}))
	f.Add(p.build(f, false, catgen.Member{File: "b.dll", Digest: digest(crypto.SHA1, "b")}, catgen.Member{File: "c.dll", Digest: digest(crypto.SHA1, "c")}))
	f.Add(p.build(f, true, catgen.Member{File: "d.dll", Digest: digest(crypto.SHA256, "d")}, catgen.Member{Digest: digest(crypto.SHA1, "d"), TagOnly: true}))
	if real, err := os.ReadFile("../testdata/realworld/dxcore.cat"); err == nil {
		f.Add(real)
	}
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, 64)
		if err != nil {
			return
		}
		if len(c.Members) > 64 {
			t.Fatalf("%d members over the limit", len(c.Members))
		}
		x := &Index{}
		x.add("fuzz.cat", c)
		x.sort()
		for _, m := range c.Members {
			if m.Hash != 0 && len(x.Signatures(map[crypto.Hash][]byte{m.Hash: m.Digest})) == 0 {
				t.Fatalf("member %+v not found in the index", m)
			}
		}
	})
}
