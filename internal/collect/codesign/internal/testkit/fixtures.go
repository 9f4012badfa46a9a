// Package testkit is test support for the code-signing packages: the
// signed.sh fixtures built once per test binary, an in-process PKI, and
// in-process Authenticode blobs for tests and fuzz seeds that must run
// without the Debian tools.
package testkit

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// EnvDir names a directory holding an already built signed.sh output, to
// skip rebuilding it while iterating on tests.
const EnvDir = "CASCADE_SIGNED_FIXTURES"

var (
	once    sync.Once
	dir     string
	buildOK bool
	out     []byte
	made    bool
)

// Tools are the commands signed.sh needs.
var Tools = []string{"openssl", "osslsigncode", "wixl", "go", "bash"}

// Dir returns the signed.sh output directory, building it on first use. It
// skips (or fails under CASCADE_REQUIRE_TOOLS=1) without the tools.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	testutil.NeedTools(t, Tools...)
	once.Do(func() {
		d, err := os.MkdirTemp("", "cascade-signed-")
		if err != nil {
			out = []byte(err.Error())
			return
		}
		dir, made = d, true
		root := testutil.RepoRoot(t)
		cmd := exec.Command("bash", filepath.Join(root, "testdata", "fixtures", "signed.sh"), d)
		cmd.Dir = root
		out, err = cmd.CombinedOutput()
		buildOK = err == nil
		if err != nil {
			out = append(out, err.Error()...)
		}
	})
	if !buildOK {
		t.Fatalf("signed.sh: %s", out)
	}
	return dir
}

// Path returns a fixture file's path.
func Path(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(Dir(t), filepath.FromSlash(rel))
}

// Read returns a fixture file's content.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Root returns the fixtures' trust anchor.
func Root(t testing.TB) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(Read(t, "pki/root.pem"))
	if blk == nil {
		t.Fatal("pki/root.pem: no PEM block")
		return nil
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Main runs the tests and removes the fixtures built for them.
func Main(m *testing.M) {
	code := m.Run()
	if made {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
