package yara

import (
	"os"
	"strings"
	"testing"
)

// FuzzDotnet runs the dotnet module's whole path (the PE headers through
// internal/pefile, the image description, the CLI metadata reader, the
// module object) on arbitrary files and reads every value it built. The
// seeds are Go's sample PE files and Mono's smallest assemblies when
// present (the CLI metadata is what is worth mutating).
func FuzzDotnet(f *testing.F) {
	seedFiles(f, "pe")
	for _, p := range []string{"/usr/lib/mono/4.5/cert-sync.exe",
		"/usr/lib/mono/gac/Mono.Btls.Interface/4.0.0.0__0738eb9f132ed756/Mono.Btls.Interface.dll"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		o, _ := dotnetObject(d)
		walkObj(o, 0)
	})
}

// TestDotnetLaterMembersDoNotCompile: members yara added after 4.2 are
// compile errors naming them, as in yara 4.2.3.
func TestDotnetLaterMembersDoNotCompile(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		{`dotnet.number_of_classes > 0`, "dotnet.number_of_classes"},
		{`dotnet.classes[0].name == "x"`, "dotnet.classes"},
		{`dotnet.assembly.bogus == 1`, "dotnet.assembly.bogus"},
	} {
		err := NewCompiler().AddSource("t.yar", "import \"dotnet\"\nrule a { condition: "+c.cond+" }", "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.cond, err, c.want)
		}
	}
}
