package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/codesign"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

func signedFixtures(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CASCADE_SIGNED_FIXTURES"); d != "" {
		return d
	}
	testutil.NeedTools(t, "openssl", "osslsigncode", "wixl", "go")
	return testutil.Fixture(t, "signed.sh")
}

func TestInspect(t *testing.T) {
	fx := signedFixtures(t)
	p := func(rel string) string { return filepath.Join(fx, filepath.FromSlash(rel)) }
	roots := p("pki/root.pem")
	const catDir = "cat/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
	realCat := filepath.Join("..", "collect", "codesign", "testdata", "realworld", "dxcore.cat")
	notCat := filepath.Join(t.TempDir(), "notes.cat")
	if err := os.WriteFile(notCat, []byte("0 not a catalog"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		exit int
		out  []string
	}{
		{[]string{"inspect", "--roots", roots, p("pe/padded.exe")}, 1,
			[]string{"Type     pe", "CN=3CX Ltd,O=3CX Ltd,C=GB", "pe.product_name", "3CX Desktop App", "signature-padding",
				"CVE-2013-3900", "rfc3161", "Chain          verified", "matches the file"}},
		{[]string{"inspect", p("pe/signed.exe")}, 0, []string{"not verified: no trusted roots configured", "Anomalies  0"}},
		{[]string{"inspect", "--trusted-roots", roots, p("pe/legacy.exe")}, 0, []string{"Digest         sha1",
			`Chain          verified with SHA-1 certificate signatures ("Example Legacy Vendor Ltd" by "Cascade Legacy Code Signing CA"`, "Anomalies  0"}},
		{[]string{"inspect", "--json", "--roots", roots, p("pe/dual.exe")}, 0,
			[]string{`"nested": true`, `"program_name": "3CX Desktop App"`, `"sha256": "`, `"md5": "`, `"chain_verified": true`}},
		{[]string{"inspect", "--roots", roots, p("pe/patched.exe")}, 1, []string{"MISMATCH", "digest-mismatch"}},
		{[]string{"inspect", "--json", p("pe/trailing.exe")}, 1, []string{`"kind": "data-after-certificate-table"`}},
		{[]string{"inspect", p("msi/signed.msi")}, 0, []string{"msi.product_name", "3CX Desktop App", "msi.product_version", "18.12.416", "Signature 1      msi"}},
		{[]string{"inspect", "--json", p("macho/fat")}, 0, []string{`"arch": "x86_64"`, `"arch": "arm64"`, `"team_id": "33CF4654HL"`, `"cdhash": "`}},
		{[]string{"inspect", p("macho/Broken.app")}, 1, []string{"bundle-seal-broken", "Resources/app.asar", "Bundle seal"}},
		{[]string{"inspect", "--no-vendor-check", p("pe/vendor.exe")}, 0, []string{"Anomalies  0"}},
		{[]string{"inspect", p("pki/ca.cnf")}, 0, []string{"Type     other", "Signatures  none"}},
		{[]string{"inspect", p("nonexistent.exe")}, 2, []string{"no such file"}},
		{[]string{"inspect", p("pe")}, 2, []string{"not a sealed app bundle"}},
		{[]string{"inspect"}, 2, []string{"want exactly one FILE"}},
		{[]string{"inspect", "--roots", p("nonexistent.pem"), p("pe/signed.exe")}, 2, []string{"trusted roots"}},
		{[]string{"inspect", "-h"}, 0, []string{"Usage: cascade inspect"}},
		{[]string{"inspect", "--roots", roots, "--catalogs", p("cat"), p("pe/go-unsigned.exe")}, 0, []string{"Signature 1      catalog",
			"Signature 2      catalog", "cascade-sha1.cat", "cascade-sha256.cat", "Member         go-unsigned.exe", "Signer         CN=Cascade Test Windows"}},
		{[]string{"inspect", "--catalogs", p("nonexistent"), p("pe/signed.exe")}, 2, []string{"--catalogs", "not a directory"}},
		{[]string{"inspect", "--roots", roots, p(catDir + "/cascade-sha256.cat")}, 0, []string{"Type     catalog", "Signature 1      catalog",
			"Signer         CN=Cascade Test Windows", "CMS signature  verified", "Chain          verified", "Catalog    2 members",
			"go-unsigned.exe  sha256 ", "unsigned.exe     sha256 ", "Anomalies  0"}},
		{[]string{"inspect", "--json", p(catDir + "/cascade-sha1.cat")}, 0, []string{`"type": "catalog"`, `"format": "catalog"`,
			`"catalog": {`, `"name": "go-unsigned.exe"`, `"digest_algorithm": "sha1"`}},
		// A real Microsoft catalog (../collect/codesign/testdata/realworld/README.md).
		{[]string{"inspect", realCat}, 0, []string{"Type     catalog", "Signer         CN=Microsoft Windows,O=Microsoft Corporation",
			"Timestamp      2025-08-09T21:02:23Z rfc3161", "Catalog    20 members", "gdi32.dll  sha256 f16ec2da",
			"sha1 e8d77aacdaca9ef0be8c482435202251a6c456bf (by tag)"}},
		{[]string{"inspect", notCat}, 0, []string{"Type     other", "not a signed Windows catalog", "Signatures  none"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), append([]string{"cascade"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.exit {
				t.Fatalf("exit %d, want %d\n%s", code, tt.exit, out)
			}
			for _, s := range tt.out {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}

	t.Run("read-only", func(t *testing.T) { inspectReadOnly(t, fx) })
}

// inspectReadOnly: inspecting never changes the file.
func inspectReadOnly(t *testing.T, fx string) {
	path := filepath.Join(fx, "pe", "padded.exe")
	before, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	var out bytes.Buffer
	if code := Run(context.Background(), []string{"cascade", "inspect", path}, nil, &out, &out); code != 1 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	after, _ := os.ReadFile(path)
	st2, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Error("inspect modified the file")
	}
}

// TestInspectionEscapesBidi: a path with a right-to-left override and a
// metadata value with an escape sequence are printed escaped.
func TestInspectionEscapesBidi(t *testing.T) {
	ins := &codesign.Inspection{File: snapshot.File{Path: "/tmp/invoice_\u202Efdp.exe", Type: "pe",
		Meta: map[string]string{"pe.product": "Evil\x1b[2J"}}}
	var buf bytes.Buffer
	if err := printInspection(&buf, ins); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\u202E\x1b") {
		t.Errorf("raw control in the output:\n%q", out)
	}
	for _, want := range []string{"/tmp/invoice_<U+202E>fdp.exe", "Evil<U+001B>[2J"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
