package pefile

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// mingwTools are what testdata/mkfixtures.sh runs.
var mingwTools = []string{"bash", "cpp", "x86_64-w64-mingw32-ld", "x86_64-w64-mingw32-windres", "i686-w64-mingw32-ld"}

var (
	mingwOnce sync.Once
	mingwDir  string
	mingwErr  []byte
)

// mingwFixtures builds testdata/mkfixtures.sh's PEs once per test binary.
func mingwFixtures(t *testing.T) []string {
	t.Helper()
	testutil.NeedTools(t, mingwTools...)
	mingwOnce.Do(func() {
		d, err := os.MkdirTemp("", "cascade-pefile-")
		if err != nil {
			mingwErr = []byte(err.Error())
			return
		}
		if out, err := exec.Command("bash", "testdata/mkfixtures.sh", d).CombinedOutput(); err != nil {
			mingwErr = append(out, err.Error()...)
			return
		}
		mingwDir = d
	})
	if mingwDir == "" {
		t.Fatalf("mkfixtures.sh: %s", mingwErr)
	}
	m, _ := filepath.Glob(filepath.Join(mingwDir, "*"))
	return m
}

// signedFixtures returns the signed.sh output directory (osslsigncode-signed
// PEs), from CASCADE_SIGNED_FIXTURES or built here.
func signedFixtures(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CASCADE_SIGNED_FIXTURES"); d != "" {
		return d
	}
	testutil.NeedTools(t, "openssl", "osslsigncode", "wixl", "go", "bash")
	return testutil.Fixture(t, "signed.sh")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mingwDir != "" {
		os.RemoveAll(mingwDir)
	}
	os.Exit(code)
}
