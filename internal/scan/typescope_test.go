package scan

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/intel/packs"
	"github.com/cascade-ir/cascade/internal/match"
)

// peFile is a minimal byte string that sniffs as a PE (a PE signature
// where its DOS header points), followed by tail.
func peFile(tail string) string {
	b := make([]byte, 0x84)
	copy(b, "MZ")
	b[0x3c] = 0x80
	copy(b[0x80:], "PE\x00\x00")
	return string(b) + tail
}

// typeScopedTree adds to sameFileTree a PE and a ZIP that indicators
// scoped to their types name.
func typeScopedTree(t *testing.T) (string, map[string]string) {
	root, content := sameFileTree(t)
	more := map[string]string{
		"Program Files/ASUS/Setup.exe":  peFile(strings.Repeat("a trojanized setup program ", 20000)),
		"Downloads/LiveUpdate_2018.zip": "PK\x03\x04 an update package",
	}
	for rel, c := range more {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		content[rel] = c
	}
	return root, content
}

// typeScopedIntel names the PE by an MD5 scoped to pe, the ZIP by a SHA-1
// scoped to pe|zip, and another file by its SHA-256.
func typeScopedIntel(content map[string]string) *intel.Intel {
	pe, zip, other := []byte(content["Program Files/ASUS/Setup.exe"]), []byte(content["Downloads/LiveUpdate_2018.zip"]), []byte(content["tools/big.bin"])
	m5, s1, s256 := md5.Sum(pe), sha1.Sum(zip), sha256.Sum256(other)
	ind := func(typ intel.Type, v []byte, types ...string) intel.Indicator {
		return intel.Indicator{ID: "scoped/" + string(typ) + "/" + hexSum(v), Type: typ, Value: hexSum(v), Score: 100,
			Sources: []string{"test"}, FileTypes: types}
	}
	return &intel.Intel{Sources: []intel.Source{{ID: "test", Name: "test", Kind: "cascade"}},
		Indicators: []intel.Indicator{ind(intel.MD5, m5[:], "pe"), ind(intel.SHA1, s1[:], "pe", "zip"), ind(intel.SHA256, s256[:])}}
}

// TestSameFindingsWithTypeScopedDigests: computing a type-scoped SHA-1 or
// MD5 only for files of its types changes no finding, over the scoped
// indicators alone and merged with the built-in packs.
func TestSameFindingsWithTypeScopedDigests(t *testing.T) {
	root, content := typeScopedTree(t)
	builtin, err := packs.Load()
	if err != nil {
		t.Fatal(err)
	}
	withPacks := typeScopedIntel(content)
	withPacks.Merge(builtin)
	for _, tc := range []struct {
		name      string
		in        *intel.Intel
		wantNeeds match.Needs
		wantIDs   int // findings by the scoped indicators
	}{
		{"type-scoped indicators alone", typeScopedIntel(content), match.Needs{SHA256: true}, 2},
		{"type-scoped indicators and the built-in packs", withPacks, match.Needs{SHA256: true, MD5: true}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found := sameFindings(t, tc.in, root, tc.wantNeeds)
			scoped := 0
			for _, k := range keys(found) {
				scoped += strings.Count(k, "scoped/md5/") + strings.Count(k, "scoped/sha1/")
			}
			if scoped != tc.wantIDs {
				t.Errorf("%d findings by the type-scoped indicators, want %d: %q", scoped, tc.wantIDs, keys(found))
			}
		})
	}
}
