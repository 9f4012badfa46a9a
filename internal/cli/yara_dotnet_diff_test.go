package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

var dotnetVersionFields = [][2]string{{"version.major", "i"}, {"version.minor", "i"},
	{"version.build_number", "i"}, {"version.revision_number", "i"}}

var dotnetDump = dumpSpec{
	module: "dotnet",
	scalars: [][2]string{{"is_dotnet", "i"}, {"version", "s"}, {"module_name", "s"}, {"number_of_streams", "i"},
		{"number_of_guids", "i"}, {"number_of_resources", "i"}, {"number_of_assembly_refs", "i"},
		{"number_of_modulerefs", "i"}, {"number_of_user_strings", "i"}, {"number_of_constants", "i"},
		{"number_of_field_offsets", "i"}, {"typelib", "s"}, {"assembly.name", "s"}, {"assembly.culture", "s"},
		{"assembly.version.major", "i"}, {"assembly.version.minor", "i"}, {"assembly.version.build_number", "i"},
		{"assembly.version.revision_number", "i"}, {"guids[0]", "s"}, {"modulerefs[1]", "s"},
		{"constants[0]", "s"}, {"field_offsets[0]", "i"}},
	arrays: []dumpArray{
		{"streams", "dotnet.number_of_streams", [][2]string{{"name", "s"}, {"offset", "i"}, {"size", "i"}}},
		{"resources", "dotnet.number_of_resources", [][2]string{{"name", "s"}, {"offset", "i"}, {"length", "i"}}},
		{"assembly_refs", "dotnet.number_of_assembly_refs", append([][2]string{{"name", "s"},
			{"public_key_or_token", "s"}}, dotnetVersionFields...)},
	},
	extra: []string{
		"for any i in (0..math.min(dotnet.number_of_guids, 4096)) : (console.log(\"guid \", dotnet.guids[i]) and false)",
		"for any i in (0..math.min(dotnet.number_of_modulerefs, 4096)) : (console.log(\"modref \", dotnet.modulerefs[i]) and false)",
		"for any i in (0..math.min(dotnet.number_of_user_strings, 4096)) : (console.log(\"us \", dotnet.user_strings[i]) and false)",
		"for any i in (0..math.min(dotnet.number_of_constants, 4096)) : (console.log(\"const \", dotnet.constants[i]) and false)",
		"for any i in (0..math.min(dotnet.number_of_field_offsets, 4096)) : (console.log(\"fieldoff \", dotnet.field_offsets[i]) and false)",
		"for any s in dotnet.user_strings : (console.log(\"it us \", s) and false)",
		"for any s in dotnet.modulerefs : (s == \"kernel32.dll\")",
		"dotnet.is_dotnet == 1 and dotnet.assembly.version.major == 1 and dotnet.typelib == \"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"",
		"for any r in dotnet.resources : (r.name == \"cascade.res1.txt\" and uint32(r.offset - 4) == r.length)",
		"for any a in dotnet.assembly_refs : (a.name == \"mscorlib\" and a.public_key_or_token == \"\\xb7\\x7a\\x5c\\x56\\x19\\x34\\xe0\")",
		"dotnet.user_strings[0] == \"h\\x00e\\x00l\\x00l\\x00o\\x00\" or dotnet.constants[0] == \"c\\x00a\\x00s\\x00c\\x00a\\x00d\\x00e\"",
		"not defined dotnet.streams[100].name and defined dotnet.is_dotnet",
	},
}

// dotnetFixtures builds the C# fixtures of internal/pefile/clr/testdata
// with mcs into dir.
func dotnetFixtures(t *testing.T, dir string) []string {
	t.Helper()
	testutil.NeedTools(t, "mcs")
	if out, err := exec.Command("sh", "../pefile/clr/testdata/gen.sh", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	return files
}

// TestYaraModuleDotnet compares every member of the dotnet module with
// yara's on assemblies built by mcs, on Mono's own assemblies (compiled
// by Microsoft's and Mono's compilers), on non-.NET PE and non-PE files,
// and on corrupted copies of the small ones.
func TestYaraModuleDotnet(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	files := dotnetFixtures(t, dir)
	mono, _ := filepath.Glob("/usr/lib/mono/4.5/*.dll")
	files = append(files, realFiles(mono...)...)
	gac, _ := filepath.Glob("/usr/lib/mono/gac/*/*/*.dll")
	files = append(files, realFiles(gac...)...)
	files = append(files, realFiles("/bin/ls")...)
	data := filepath.Join(dir, "fakepe")
	if err := os.WriteFile(data, fakePE(), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, data)
	var bad []string
	for i, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() < 64_000 {
			bad = append(bad, corrupt(t, f, dir, 40, int(st.Size()), int64(200+i))...)
		}
	}
	diffModule(t, dotnetDump, append(files, bad...))
}
