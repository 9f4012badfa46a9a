package cli

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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
	sort.Strings(files)
	return files
}

// monoAssemblies are Mono's own assemblies (Debian's mono-mcs and the
// libraries it depends on; compiled by Microsoft's and Mono's compilers),
// each once: /usr/lib/mono/4.5's DLLs are links into the GAC.
func monoAssemblies() []string {
	var paths []string
	for _, g := range []string{"/usr/lib/mono/4.5/*.dll", "/usr/lib/mono/4.5/*.exe", "/usr/lib/mono/gac/*/*/*.dll"} {
		m, _ := filepath.Glob(g)
		paths = append(paths, m...)
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range realFiles(paths...) {
		if r, err := filepath.EvalSymlinks(p); err == nil && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// corruptMetadata writes n copies of src with random bytes written within
// span bytes from its metadata root (BSJB), where the stream headers, the
// #~ header and row counts and the tables lie, so the copies exercise
// the metadata reader's bounds and yara's quirks rather than the PE
// headers. None when src has no metadata root.
func corruptMetadata(t *testing.T, src, dir string, n, span int, seed int64) []string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	root := bytes.Index(b, []byte("BSJB"))
	if root < 0 {
		return nil
	}
	span = min(span, len(b)-root)
	r := rand.New(rand.NewSource(seed))
	var out []string
	for i := 0; i < n; i++ {
		c := append([]byte(nil), b...)
		for k := 0; k < 1+r.Intn(6); k++ {
			off := root + r.Intn(span)
			switch r.Intn(4) {
			case 0:
				c[off] = byte(r.Intn(256))
			case 1:
				c[off] = 0xff
			case 2:
				c[off] = 0
			default:
				c[off] ^= byte(1 << r.Intn(8))
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("%s.md%d-%d", filepath.Base(src), span, i))
		if err := os.WriteFile(p, c, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// dotnetMembers are the members yara 4.2.3's dotnet module declares (its
// libyara/modules/dotnet/dotnet.c), each with the key under which the
// dump prints it (dotnetDumpKeys): the test fails unless yara gives every
// one a value on some undamaged file of the corpus, so no member is
// compared only as undefined against undefined.
var dotnetMembers = [][2]string{
	{"is_dotnet", "is_dotnet"}, {"version", "version"}, {"module_name", "module_name"},
	{"number_of_streams", "number_of_streams"}, {"streams[].name", "streams[].name"},
	{"streams[].offset", "streams[].offset"}, {"streams[].size", "streams[].size"},
	{"number_of_guids", "number_of_guids"}, {"guids[]", "guid"},
	{"number_of_resources", "number_of_resources"}, {"resources[].offset", "resources[].offset"},
	{"resources[].length", "resources[].length"}, {"resources[].name", "resources[].name"},
	{"assembly.version.major", "assembly.version.major"}, {"assembly.version.minor", "assembly.version.minor"},
	{"assembly.version.build_number", "assembly.version.build_number"},
	{"assembly.version.revision_number", "assembly.version.revision_number"},
	{"assembly.name", "assembly.name"}, {"assembly.culture", "assembly.culture"},
	{"number_of_modulerefs", "number_of_modulerefs"}, {"modulerefs[]", "modref"},
	{"typelib", "typelib"},
	{"number_of_assembly_refs", "number_of_assembly_refs"}, {"assembly_refs[].name", "assembly_refs[].name"},
	{"assembly_refs[].public_key_or_token", "assembly_refs[].public_key_or_token"},
	{"assembly_refs[].version.major", "assembly_refs[].version.major"},
	{"assembly_refs[].version.minor", "assembly_refs[].version.minor"},
	{"assembly_refs[].version.build_number", "assembly_refs[].version.build_number"},
	{"assembly_refs[].version.revision_number", "assembly_refs[].version.revision_number"},
	{"number_of_user_strings", "number_of_user_strings"}, {"user_strings[]", "us"},
	{"number_of_constants", "number_of_constants"}, {"constants[]", "const"},
	{"number_of_field_offsets", "number_of_field_offsets"}, {"field_offsets[]", "fieldoff"},
}

// dotnetDumpKeys reads the keys of the values a dump printed: "k=v" for a
// scalar, "a[].f" for field f of an element of array a (printed as "a i"
// then " f=v" lines), and the first word of the extra rules' lines.
func dotnetDumpKeys(out string, keys map[string]bool) {
	arr := ""
	for _, line := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(line, " "); ok {
			if k, _, ok := strings.Cut(f, "="); ok && arr != "" {
				keys[arr+"[]."+k] = true
			}
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok && !strings.Contains(k, " ") {
			keys[k] = true
			continue
		}
		if w, rest, ok := strings.Cut(line, " "); ok {
			if _, err := strconv.Atoi(rest); err == nil {
				arr = w
			}
			keys[w] = true
		}
	}
}

// TestYaraModuleDotnet compares every member of the dotnet module with
// yara's on assemblies built by mcs, on Mono's own assemblies, on
// non-.NET PE and non-PE files, and on corrupted copies: random bytes
// anywhere in the small files, random bytes in the metadata of the
// fixtures and of Mono's smaller assemblies.
func TestYaraModuleDotnet(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	fixtures := dotnetFixtures(t, dir)
	files := append(append([]string(nil), fixtures...), monoAssemblies()...)
	files = append(files, realFiles("/bin/ls")...)
	data := filepath.Join(dir, "fakepe")
	if err := os.WriteFile(data, fakePE(), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, data)

	// Every member must be dumped, and yara must define it on some
	// undamaged file.
	rules := dotnetDump.rules()
	keys := map[string]bool{}
	rulesFile := filepath.Join(dir, "members.yar")
	if err := os.WriteFile(rulesFile, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		out, err := exec.Command("yara", rulesFile, f).Output()
		if err != nil {
			t.Fatalf("yara on %s: %v", f, err)
		}
		dotnetDumpKeys(string(out), keys)
	}
	for _, m := range dotnetMembers {
		if !keys[m[1]] {
			t.Errorf("dotnet.%s: yara gives it no value on any file of the corpus (key %q)", m[0], m[1])
		}
	}
	if len(monoAssemblies()) < 10 {
		t.Errorf("only %d of Mono's assemblies found under /usr/lib/mono (is mono-mcs installed?)", len(monoAssemblies()))
	}

	var bad []string
	for i, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() < 64_000 {
			bad = append(bad, corrupt(t, f, dir, 40, int(st.Size()), int64(200+i))...)
		}
		if st, err := os.Stat(f); err == nil && st.Size() < 200_000 {
			bad = append(bad, corruptMetadata(t, f, dir, 15, 512, int64(500+i))...)
			bad = append(bad, corruptMetadata(t, f, dir, 15, 1<<20, int64(800+i))...)
		}
	}
	diffModule(t, dotnetDump, append(files, bad...))
}
