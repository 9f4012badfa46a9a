package reach

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// FuzzRegistry feeds hostile hives to the reach keys' reader; the hive
// parser is the Windows collector's, so this fuzzes the value mapping.
func FuzzRegistry(f *testing.F) {
	tmpl, err := os.ReadFile(filepath.Join(testutil.RepoRoot(f), "internal/collect/software/windows/testdata/minimal.hive"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tmpl)
	if _, err := exec.LookPath("hivexregedit"); err == nil {
		f.Add(userHive(f, userReg, nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		windows.ParseHive(data, func(root *windows.Key) error {
			fromHive(windows.AsRegKey(root), "u", func(a snapshot.Artifact) {
				if a.Port < 0 || a.Port > 65535 || (a.Domain != "" && a.IP != "") {
					t.Fatalf("bad artifact %+v", a)
				}
			})
			return nil
		})
	})
}

// FuzzSetHost checks the host parsing every record goes through.
func FuzzSetHost(f *testing.F) {
	for _, s := range []string{"a.example", "[10.0.0.1]:22", "h:3390", "fe80::1", "[::1]", "*.x", "|1|a|b", "[x]:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a snapshot.Artifact
		setHost(&a, s)
		if a.Host != s || a.Port < 0 || a.Port > 65535 || (a.Domain != "" && a.IP != "") {
			t.Fatalf("%q: %+v", s, a)
		}
		if a.Domain != "" && (strings.ContainsAny(a.Domain, "*?![]:") || a.Domain != strings.ToLower(a.Domain)) {
			t.Fatalf("%q: domain %q", s, a.Domain)
		}
	})
}
