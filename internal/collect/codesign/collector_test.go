package codesign

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/anomaly"
	"github.com/cascade-ir/cascade/internal/collect/codesign/cms"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/collect/codesign/msi"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func collector(t testing.TB, roots ...*x509.Certificate) *Collector {
	t.Helper()
	c, err := New(Options{Roots: roots, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs the collector over b as a file of type typ.
func run(t testing.TB, c *Collector, name string, b []byte) (*snapshot.File, error) {
	t.Helper()
	f := &snapshot.File{Path: name, Size: int64(len(b)), Type: collect.Sniff(b, nil)}
	if !c.WantsContent(f) {
		t.Fatalf("%s: collector does not want type %q", name, f.Type)
	}
	err := c.CollectContent(context.Background(), bytes.NewReader(b), f)
	return f, err
}

func kindSet(f *snapshot.File) []string {
	var out []string
	for _, a := range f.Anomalies {
		if a.Detail == "" {
			panic("anomaly without detail: " + a.Kind)
		}
		if !slices.Contains(out, a.Kind) {
			out = append(out, a.Kind)
		}
	}
	slices.Sort(out)
	return out
}

// signerInfo returns the primary SignerInfo of a signed PE's first
// WIN_CERTIFICATE.
func signerInfo(t *testing.T, b []byte) *cms.SignerInfo {
	t.Helper()
	pe := int(binary.LittleEndian.Uint32(b[0x3c:]))
	dir := pe + 24 + 112 + 32
	off := int(binary.LittleEndian.Uint32(b[dir:]))
	sd, _, err := cms.Parse(b[off+8:])
	if err != nil {
		t.Fatal(err)
	}
	return &sd.Signers[0]
}

// flipAt returns b with the last byte of needle's first occurrence flipped.
func flipAt(t *testing.T, b, needle []byte) []byte {
	t.Helper()
	i := bytes.Index(b, needle)
	if i < 0 {
		t.Fatal("needle not found")
	}
	out := bytes.Clone(b)
	out[i+len(needle)-1] ^= 1
	return out
}

// badSignature flips a byte of the signer's signature value.
func badSignature(t *testing.T, b []byte) []byte {
	return flipAt(t, b, signerInfo(t, b).Signature)
}

// badTimestamp flips a byte of the timestamp authority's signature value.
func badTimestamp(t *testing.T, b []byte) []byte {
	v, err := signerInfo(t, b).UnsignedAttrs.One(cms.OIDSpcTimeStampToken)
	if err != nil {
		t.Fatal(err)
	}
	tst, err := cms.ParseSignedData(v)
	if err != nil {
		t.Fatal(err)
	}
	return flipAt(t, b, tst.Signers[0].Signature)
}

// TestAnomalies: every kind has a file that produces it and a clean file of
// the same format that does not.
func TestAnomalies(t *testing.T) {
	c := collector(t, testkit.Root(t))
	pe := func(n string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return testkit.Read(t, "pe/"+n) }
	}
	mo := func(n string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return testkit.Read(t, "macho/"+n) }
	}
	tests := []struct {
		kind         string
		produce      func(*testing.T) []byte
		clean        func(*testing.T) []byte
		alsoExpected []string
	}{
		{anomaly.SignaturePadding, pe("padded.exe"), pe("signed.exe"), nil},
		{anomaly.SecurityDirectorySize, pe("dirgrow.exe"), pe("signed.exe"), nil},
		{anomaly.DataAfterCertificateTable, pe("trailing.exe"), pe("signed.exe"), nil},
		{anomaly.DigestMismatch, pe("patched.exe"), pe("signed.exe"), nil},
		{anomaly.DigestMismatch, func(t *testing.T) []byte { return testkit.Read(t, "msi/tampered.msi") },
			func(t *testing.T) []byte { return testkit.Read(t, "msi/signed.msi") }, nil},
		{anomaly.BadSignature, func(t *testing.T) []byte { return badSignature(t, testkit.Read(t, "pe/signed-nots.exe")) }, pe("signed-nots.exe"), nil},
		{anomaly.BadTimestamp, func(t *testing.T) []byte { return badTimestamp(t, testkit.Read(t, "pe/signed.exe")) }, pe("signed.exe"), nil},
		{anomaly.SignedOutsideValidity, pe("expired-ts-outside.exe"), pe("expired-ts-inside.exe"), nil},
		{anomaly.ExpiredNoTimestamp, pe("expired-nots.exe"), pe("expired-ts-inside.exe"), nil},
		{anomaly.CompiledAfterSigning, pe("compile-after.exe"), pe("signed.exe"), nil},
		{anomaly.VendorMismatch, pe("vendor.exe"), pe("signed.exe"), nil},
		{anomaly.ExplicitCurveCertificate, pe("curveball.exe"), pe("signed.exe"), nil},
		{anomaly.PageHashMismatch, mo("cms-patched"), mo("cms"), nil},
		{anomaly.PageHashMismatch, mo("adhoc-patched"), mo("adhoc"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			f, err := run(t, c, "produce", tt.produce(t))
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{tt.kind}, tt.alsoExpected...)
			slices.Sort(want)
			if got := kindSet(f); !slices.Equal(got, want) {
				t.Errorf("anomalies %v, want %v: %+v", got, want, f.Anomalies)
			}
			clean, err := run(t, c, "clean", tt.clean(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(clean.Anomalies) != 0 {
				t.Errorf("clean file has anomalies %+v", clean.Anomalies)
			}
		})
	}
}

func TestCollectRecords(t *testing.T) {
	c := collector(t, testkit.Root(t))
	f, err := run(t, c, "dual.exe", testkit.Read(t, "pe/dual.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Signatures) != 2 || f.Meta[peinfo.MetaProductName] != "3CX Desktop App" {
		t.Fatalf("record %+v", f)
	}
	for _, s := range f.Signatures {
		if s.ChainVerified == nil || !*s.ChainVerified || s.Timestamp == nil || !*s.Timestamp.ChainVerified {
			t.Errorf("chains: %+v", s)
		}
	}
	// A pre-2016 signature: SHA-1 digest and a chain signed with SHA-1.
	l, err := run(t, c, "legacy.exe", testkit.Read(t, "pe/legacy.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if s := l.Signatures; len(s) != 1 || s[0].ChainVerified == nil || !*s[0].ChainVerified || s[0].DigestAlgorithm != "sha1" ||
		!strings.Contains(s[0].ChainWeak, `"Cascade Legacy Code Signing CA" by "Cascade Test Root CA"`) || len(l.Anomalies) != 0 {
		t.Errorf("legacy SHA-1 chain: %+v, anomalies %+v", s, l.Anomalies)
	}
	m, err := run(t, c, "installer.tmp", testkit.Read(t, "msi/signed.msi"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != snapshot.TypeOLE || m.Meta[msi.MetaProductName] != "3CX Desktop App" || m.Meta[msi.MetaProductVersion] != "18.12.416" ||
		len(m.Signatures) != 1 || m.Signatures[0].Format != snapshot.SigMSI {
		t.Fatalf("MSI recognised by content: %+v", m)
	}
	// Without roots the chain is not verified, which is not a failure.
	f, err = run(t, collector(t), "signed.exe", testkit.Read(t, "pe/signed.exe"))
	if err != nil || f.Signatures[0].ChainVerified != nil || f.Signatures[0].ChainError != cms.NoRoots || len(f.Anomalies) != 0 {
		t.Fatalf("no roots: %v %+v", err, f.Signatures[0])
	}
}

func TestCollectErrors(t *testing.T) {
	c := collector(t)
	f := &snapshot.File{Path: "big", Type: snapshot.TypePE, Size: 1 << 40}
	if err := c.CollectContent(context.Background(), bytes.NewReader(nil), f); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.CollectContent(ctx, bytes.NewReader(nil), &snapshot.File{Type: snapshot.TypePE}); err == nil {
		t.Error("cancelled context ignored")
	}
	for _, typ := range []string{snapshot.TypePE, snapshot.TypeOLE, snapshot.TypeMachO} {
		f := &snapshot.File{Path: "junk", Type: typ, Size: 9}
		if err := c.CollectContent(context.Background(), bytes.NewReader([]byte("junkjunk!")), f); err == nil || !strings.Contains(err.Error(), "junk") {
			t.Errorf("%s junk: %v", typ, err)
		}
	}
	if (&Collector{}).WantsContent(&snapshot.File{Type: snapshot.TypeELF}) {
		t.Error("wants ELF")
	}
	if _, err := New(Options{RootsFile: "/nonexistent.pem"}); err == nil {
		t.Error("missing roots file accepted")
	}
	empty := t.TempDir() + "/empty.pem"
	os.WriteFile(empty, []byte("nothing"), 0o644)
	if _, err := New(Options{RootsFile: empty}); err == nil {
		t.Error("roots file without certificates accepted")
	}
}

func TestRootsFile(t *testing.T) {
	c, err := New(Options{RootsFile: testkit.Path(t, "pki/root.pem")})
	if err != nil || c.roots.Len() != 1 {
		t.Fatalf("New: %v", err)
	}
}

// TestCollectConcurrent: one Collector serves the engine's workers.
func TestCollectConcurrent(t *testing.T) {
	c := collector(t, testkit.Root(t))
	files := []string{"pe/dual.exe", "pe/padded.exe", "msi/signed.msi", "macho/fat", "macho/cms-patched"}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(files))
	for i := 0; i < 4; i++ {
		for _, n := range files {
			b := testkit.Read(t, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := &snapshot.File{Path: n, Size: int64(len(b)), Type: collect.Sniff(b, nil)}
				if err := c.CollectContent(context.Background(), bytes.NewReader(b), f); err != nil || len(f.Signatures) == 0 {
					errs <- fmt.Errorf("%s: %v, %d signatures", n, err, len(f.Signatures))
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
