package clr

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParse times Parse on the mcs-built library and on Mono's
// largest assemblies (when installed):
//
//	go test -run '^$' -bench Parse -benchmem ./internal/pefile/clr/
func BenchmarkParse(b *testing.B) {
	files := map[string][]byte{}
	names := []string{"lib.dll"}
	files["lib.dll"] = fixture(b, "lib.dll")
	for _, p := range []string{"/usr/lib/mono/4.5/mscorlib.dll", "/usr/lib/mono/4.5/System.dll", "/usr/lib/mono/4.5/System.Core.dll"} {
		if d, err := os.ReadFile(p); err == nil {
			names = append(names, filepath.Base(p))
			files[filepath.Base(p)] = d
		}
	}
	for _, n := range names {
		im := imageOf(files[n])
		b.Run(n, func(b *testing.B) {
			b.SetBytes(int64(len(im.Data)))
			for b.Loop() {
				if md, _ := Parse(im); !md.IsDotNet {
					b.Fatal("not .NET")
				}
			}
		})
	}
}
