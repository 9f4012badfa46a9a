package macho

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		file   string
		archs  string
		match  bool
		kinds  []string
		adhoc  bool
		signer string
	}{
		{"macho/adhoc", "arm64", true, nil, true, ""},
		{"macho/adhoc-patched", "arm64", false, []string{"page-hash-mismatch"}, true, ""},
		{"macho/cms", "arm64", true, nil, false, "Developer ID Application: 3CX (33CF4654HL)"},
		{"macho/cms-patched", "arm64", false, []string{"page-hash-mismatch"}, false, "Developer ID Application: 3CX (33CF4654HL)"},
		{"macho/fat", "x86_64,arm64", true, nil, false, "Developer ID Application: 3CX (33CF4654HL)"},
	}
	roots := cms.NewRoots([]*x509.Certificate{testkit.Root(t)})
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := readBytes(t, testkit.Read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.Meta[MetaArchs] != tt.archs || !slices.Equal(kinds(r), tt.kinds) {
				t.Fatalf("archs %q, anomalies %+v", r.Meta[MetaArchs], r.Anomalies)
			}
			for i, s := range r.Sigs {
				s.CheckChain(roots, time.Now())
				g := s.Sig
				if g.Arch != strings.Split(tt.archs, ",")[i] || *g.DigestMatch != tt.match || g.AdHoc != tt.adhoc ||
					len(g.CDHash) != 40 || g.DigestAlgorithm != "sha256" || g.Error != "" {
					t.Errorf("signature %d: %+v", i, g)
				}
				if tt.adhoc {
					if g.Signer != nil || g.Identifier != "a.out" || !slices.Equal(g.Flags, []string{"adhoc", "linker-signed"}) {
						t.Errorf("ad-hoc: %+v", g)
					}
					continue
				}
				if g.Signer == nil || g.Signer.CommonName != tt.signer || g.TeamID != "33CF4654HL" || g.Identifier != "com.3cx.desktop" ||
					!*g.SignatureVerified || g.ChainVerified == nil || !*g.ChainVerified || g.SigningTime == nil {
					t.Errorf("CMS: %+v (chain %v %s)", g, g.ChainVerified, g.ChainError)
				}
			}
		})
	}
}

func TestReadInProcess(t *testing.T) {
	s := newSigner(t, t2020, t2040)
	clean := s.sign(t, tinyMachO(), nil)
	flipped := bytes.Clone(clean)
	flipped[5000] ^= 1
	badReqs := bytes.Clone(clean)
	i := bytes.Index(badReqs, []byte{0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12})
	badReqs[i+11] = 1 // requirements count
	badCD := bytes.Clone(clean)
	j := bytes.Index(badCD, []byte("com.3cx.desktop"))
	badCD[j] = 'C'
	tests := []struct {
		name     string
		b        []byte
		match    bool
		kinds    []string
		verified bool
	}{
		{"clean", clean, true, nil, true},
		{"flipped code byte", flipped, false, []string{"page-hash-mismatch"}, true},
		{"requirements changed", badReqs, false, []string{"special-slot-mismatch"}, true},
		{"code directory changed", badCD, true, []string{"bad-signature", "bad-signature"}, false},
		{"cdhashes attribute lies", s.sign(t, tinyMachO(), func(o *machosign.Options) { o.CDHashes = [][]byte{make([]byte, 20)} }),
			true, []string{"bad-signature"}, true},
		{"data after the CMS blob", s.sign(t, tinyMachO(), func(o *machosign.Options) { o.Trailer = []byte("FEEDFACE payload") }),
			true, []string{"signature-padding"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := readBytes(t, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			g := r.Sigs[0].Sig
			if *g.DigestMatch != tt.match || !slices.Equal(kinds(r), tt.kinds) || *g.SignatureVerified != tt.verified {
				t.Fatalf("match %v, verified %v (%s), anomalies %+v", *g.DigestMatch, *g.SignatureVerified, g.SignatureError, r.Anomalies)
			}
			if !slices.Contains(g.Flags, "runtime") || g.AdHoc {
				t.Errorf("flags %v", g.Flags)
			}
		})
	}
}

// TestSigningTimeOutsideValidity: a signing time outside the certificate's
// validity is a temporal fact reported on its own (some CMS verifiers refuse
// such a signature before checking it); the record must still say whether
// the signature holds.
func TestSigningTimeOutsideValidity(t *testing.T) {
	s := newSigner(t, t2020, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	b := s.sign(t, tinyMachO(), nil) // signingTime is now: after notAfter
	r, err := readBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Sigs[0].Sig
	if !*g.SignatureVerified || g.SigningTime == nil || !g.SigningTime.After(g.Signer.NotAfter) {
		t.Fatalf("verified %v (%s), signing time %v", *g.SignatureVerified, g.SignatureError, g.SigningTime)
	}
	bad := bytes.Clone(b)
	k := bytes.Index(bad, []byte("com.3cx.desktop"))
	bad[k] = 'X'
	r, _ = readBytes(t, bad)
	if *r.Sigs[0].Sig.SignatureVerified {
		t.Error("a changed code directory verified")
	}
}

func TestReadHostile(t *testing.T) {
	s := newSigner(t, t2020, t2040)
	clean := s.sign(t, tinyMachO(), nil)
	le, be := binary.LittleEndian, binary.BigEndian
	csOff := int(le.Uint32(clean[32+144+8:]))
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(clean)
		f(b)
		return b
	}
	fat := func(n uint32, off, size uint32) []byte {
		b := make([]byte, 64)
		be.PutUint32(b, 0xcafebabe)
		be.PutUint32(b[4:], n)
		be.PutUint32(b[16:], off)
		be.PutUint32(b[20:], size)
		return b
	}
	tests := []struct {
		name, want string
		b          []byte
	}{
		{"empty", "not a Mach-O", nil},
		{"java class", "Java", fat(52, 0, 0)},
		{"fat slice outside", "outside", fat(1, 4096, 1<<30)},
		{"load commands overflow", "do not fit", mutate(func(b []byte) { le.PutUint32(b[20:], 1<<21) })},
		{"code signature outside", "outside", mutate(func(b []byte) { le.PutUint32(b[32+144+12:], 1<<30) })},
		{"superblob count", "declares", mutate(func(b []byte) { be.PutUint32(b[csOff+8:], 0x10000000) })},
		{"superblob length", "outside", mutate(func(b []byte) { be.PutUint32(b[csOff+4:], 0x7fffffff) })},
		{"code slots past the directory", "do not fit", mutate(func(b []byte) {
			cd := csOff + int(be.Uint32(b[csOff+16:]))
			be.PutUint32(b[cd+28:], 0x7fffffff)
		})},
		{"zero-size hashes", "unsupported", mutate(func(b []byte) {
			cd := csOff + int(be.Uint32(b[csOff+16:]))
			b[cd+36] = 0
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBytes(t, tt.b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	for n := 0; n < len(clean); n += 97 {
		readBytes(t, clean[:n])
	}
}

func FuzzMachO(f *testing.F) {
	s := newSigner(f, t2020, t2040)
	clean := s.sign(f, tinyMachO(), nil)
	thin := s.sign(f, tinyMachO(), func(o *machosign.Options) { o.Trailer = []byte{1, 2, 3} })
	fat, _ := machosign.Fat(clean, thin)
	for _, b := range [][]byte{clean, fat} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readBytes(t, b)
		if r == nil && err == nil {
			t.Fatal("no result and no error")
		}
	})
}

func FuzzCodeSignature(f *testing.F) {
	s := newSigner(f, t2020, t2040)
	clean := s.sign(f, tinyMachO(), nil)
	off := int(binary.LittleEndian.Uint32(clean[32+144+8:]))
	f.Add(clean[off:])
	f.Fuzz(func(t *testing.T, b []byte) {
		sb, err := parseSuperBlob(b)
		if err != nil {
			return
		}
		if cds, err := codeDirs(sb); err == nil {
			for _, cd := range cds {
				_ = cd.cdhash()
				for i := 0; i < min(cd.nCode, 4); i++ {
					_ = cd.codeSlot(i)
				}
				for n := 1; n <= 7; n++ {
					_ = cd.specialSlot(n)
				}
			}
		}
	})
}
