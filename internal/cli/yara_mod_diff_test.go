package cli

import (
	"bytes"
	"compress/gzip"
	"debug/pe"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// The module differential suite: a generated rule prints every field of
// a module with console.log (yara prints these lines before a file's
// rule lines), so comparing the outputs of `yara` and `cascade yara`
// compares every value the module parsed, defined or not, on real files
// and on corrupted copies of them.

// dumpSpec describes what to print of one module: scalar fields (with
// their console.log overload: i integer, s string) and arrays of
// structures, each bounded by a count expression.
type dumpSpec struct {
	module  string
	scalars [][2]string // path, kind
	arrays  []dumpArray
	extra   []string // further conditions, each printed through console
}

type dumpArray struct {
	path, count string
	fields      [][2]string
}

func (d dumpSpec) rules() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import \"%s\"\nimport \"console\"\nimport \"math\"\n", d.module)
	b.WriteString("rule dump_scalars { condition: ")
	for _, s := range d.scalars {
		fmt.Fprintf(&b, "(console.log(\"%s=\", %s.%s) and false) or\n", yaraQuote(s[0]), d.module, s[0])
	}
	b.WriteString("true }\n")
	for i, a := range d.arrays {
		// Counts are capped: a damaged header can claim four billion
		// entries, and yara would loop over all of them.
		fmt.Fprintf(&b, "rule dump_array_%d { condition: for all i in (0..math.min(%s, 4096)) : ( (console.log(\"%s \", i) and false) or\n",
			i, a.count, a.path)
		for _, f := range a.fields {
			fmt.Fprintf(&b, "(console.log(\" %s=\", %s.%s[i].%s) and false) or\n", f[0], d.module, a.path, f[0])
		}
		b.WriteString("true ) }\n")
		// The same through iteration over the array's elements.
		if len(a.fields) > 0 {
			f := a.fields[0]
			fmt.Fprintf(&b, "rule iter_array_%d { condition: for any x in %s.%s : ( console.log(\"it %s=\", x.%s) and false ) }\n",
				i, d.module, a.path, f[0], f[0])
		}
	}
	for i, c := range d.extra {
		fmt.Fprintf(&b, "rule extra_%d { condition: %s }\n", i, c)
	}
	return b.String()
}

var elfDump = dumpSpec{
	module: "elf",
	scalars: [][2]string{{"type", "i"}, {"machine", "i"}, {"entry_point", "i"}, {"number_of_sections", "i"},
		{"sh_offset", "i"}, {"sh_entry_size", "i"}, {"number_of_segments", "i"}, {"ph_offset", "i"},
		{"ph_entry_size", "i"}, {"dynamic_section_entries", "i"}, {"symtab_entries", "i"}, {"dynsym_entries", "i"},
		{"ET_DYN", "i"}, {"EM_AARCH64", "i"}, {"SHT_DYNSYM", "i"}, {"SHF_EXECINSTR", "i"}, {"PT_GNU_STACK", "i"},
		{"DT_ENCODING", "i"}, {"STT_TLS", "i"}, {"STB_WEAK", "i"}, {"PF_R", "i"}},
	arrays: []dumpArray{
		{"sections", "elf.number_of_sections", [][2]string{{"name", "s"}, {"type", "i"}, {"flags", "i"},
			{"address", "i"}, {"size", "i"}, {"offset", "i"}}},
		{"segments", "elf.number_of_segments", [][2]string{{"type", "i"}, {"flags", "i"}, {"offset", "i"},
			{"virtual_address", "i"}, {"physical_address", "i"}, {"file_size", "i"}, {"memory_size", "i"},
			{"alignment", "i"}}},
		{"dynamic", "elf.dynamic_section_entries", [][2]string{{"type", "i"}, {"val", "i"}}},
		{"symtab", "elf.symtab_entries", [][2]string{{"name", "s"}, {"value", "i"}, {"size", "i"}, {"type", "i"},
			{"bind", "i"}, {"shndx", "i"}}},
		{"dynsym", "elf.dynsym_entries", [][2]string{{"name", "s"}, {"value", "i"}, {"size", "i"}, {"type", "i"},
			{"bind", "i"}, {"shndx", "i"}}},
	},
	extra: []string{
		"elf.type == elf.ET_EXEC", "elf.machine == elf.EM_X86_64 and elf.number_of_sections > 10",
		"for any s in elf.sections : (s.name == \".text\" and s.flags & elf.SHF_EXECINSTR != 0)",
		"for all s in elf.segments : (s.type != elf.PT_INTERP)",
		"for any d in elf.dynamic : (d.type == elf.DT_NEEDED)",
		"not defined elf.sections[1000].name", "defined elf.entry_point",
		"for any s in elf.dynsym : (s.name == \"malloc\" and s.type == elf.STT_FUNC and s.bind == elf.STB_GLOBAL)",
		"elf.sections[elf.number_of_sections - 1].size > 0",
	},
}

// goTestdata returns the files of a Go standard library testdata
// directory (real binaries of many platforms, BSD-licensed, shipped with
// every Go toolchain), decoding .base64 and .gz files into dir.
func goTestdata(t *testing.T, pkg, dir string) []string {
	t.Helper()
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(root)), "src", "debug", pkg, "testdata")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Skipf("Go testdata not available: %v", err)
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".c") || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(name, ".base64"):
			if b, err = base64.StdEncoding.DecodeString(string(bytes.TrimSpace(b))); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			name = strings.TrimSuffix(name, ".base64")
		case strings.HasSuffix(name, ".gz"):
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
			name = strings.TrimSuffix(name, ".gz")
		}
		p := filepath.Join(dir, pkg+"-"+name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// corrupt writes n copies of src with bytes of its first limit bytes
// overwritten at random (seeded, so failures reproduce): damaged headers
// and tables, where parsers' bounds checks are tested.
func corrupt(t *testing.T, src, dir string, n, limit int, seed int64) []string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(seed))
	var out []string
	for i := 0; i < n; i++ {
		c := append([]byte(nil), b...)
		lim := min(limit, len(c))
		for k := 0; k < 1+r.Intn(8); k++ {
			off := r.Intn(lim)
			switch r.Intn(3) {
			case 0:
				c[off] = byte(r.Intn(256))
			case 1:
				c[off] = 0xff
			default:
				c[off] = 0
			}
		}
		if r.Intn(4) == 0 {
			c = c[:r.Intn(len(c))+1]
		}
		p := filepath.Join(dir, fmt.Sprintf("%s.bad%d", filepath.Base(src), i))
		if err := os.WriteFile(p, c, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// realFiles returns the existing ones among paths.
func realFiles(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

func diffModule(t *testing.T, spec dumpSpec, files []string) {
	t.Helper()
	rules := filepath.Join(t.TempDir(), spec.module+".yar")
	if err := os.WriteFile(rules, []byte(spec.rules()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The rules must compile in yara, or every comparison would be of
	// two identical errors.
	if out, err := exec.Command("yara", rules, files[0]).CombinedOutput(); err != nil || len(out) == 0 {
		t.Fatalf("yara rejects the dump rules: %v\n%s", err, out)
	}
	for _, f := range files {
		diffOne(t, []string{rules, f})
		if t.Failed() && failures(t) {
			return
		}
	}
	t.Logf("compared %s over %d files", spec.module, len(files))
}

func TestYaraModuleELF(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	files := goTestdata(t, "elf", dir)
	files = append(files, realFiles("/bin/ls", "/bin/true", "/usr/bin/yara",
		"/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libyara.so.9",
		"/usr/lib/x86_64-linux-gnu/crt1.o")...)
	data := filepath.Join(dir, "fake")
	if err := os.WriteFile(data, fakeELF(), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, data)
	var bad []string
	for i, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() < 200_000 {
			bad = append(bad, corrupt(t, f, dir, 12, 4096, int64(i))...)
		}
	}
	diffModule(t, elfDump, append(files, bad...))
}

var peDump = dumpSpec{
	module: "pe",
	scalars: func() [][2]string {
		var out [][2]string
		for _, f := range []string{"is_pe", "machine", "number_of_sections", "timestamp", "pointer_to_symbol_table",
			"number_of_symbols", "size_of_optional_header", "characteristics", "entry_point", "entry_point_raw",
			"image_base", "number_of_rva_and_sizes", "opthdr_magic", "size_of_code", "size_of_initialized_data",
			"size_of_uninitialized_data", "base_of_code", "base_of_data", "section_alignment", "file_alignment",
			"linker_version.major", "linker_version.minor", "os_version.major", "os_version.minor",
			"image_version.major", "image_version.minor", "subsystem_version.major", "subsystem_version.minor",
			"win32_version_value", "size_of_image", "size_of_headers", "checksum", "subsystem",
			"dll_characteristics", "size_of_stack_reserve", "size_of_stack_commit", "size_of_heap_reserve",
			"size_of_heap_commit", "loader_flags", "overlay.offset", "overlay.size", "rich_signature.offset",
			"rich_signature.length", "rich_signature.key", "number_of_imports", "number_of_imported_functions",
			"number_of_exports", "export_timestamp", "MACHINE_AMD64", "SUBSYSTEM_WINDOWS_GUI", "DLL", "IMPORT_ANY",
			"HIGH_ENTROPY_VA", "SECTION_MEM_EXECUTE", "IMAGE_DIRECTORY_ENTRY_SECURITY", "RESOURCE_TYPE_VERSION",
			"number_of_resources", "number_of_version_infos", "resource_timestamp", "resource_version.major",
			"resource_version.minor", "number_of_delayed_imports", "number_of_delayed_imported_functions",
			"number_of_signatures", "IMPORT_DELAYED", "IMPORT_STANDARD"} {
			out = append(out, [2]string{f, "i"})
		}
		for _, f := range []string{"pdb_path", "dll_name", "rich_signature.raw_data", "rich_signature.clear_data",
			"imphash()", "version_info[\"CompanyName\"]", "version_info[\"FileVersion\"]",
			"version_info[\"ProductName\"]", "version_info[\"LegalCopyright\"]", "version_info[\"FileDescription\"]",
			"version_info[\"OriginalFilename\"]", "version_info[\"nope\"]", "delay_import_details[0].library_name"} {
			out = append(out, [2]string{f, "s"})
		}
		for _, f := range []string{"is_dll()", "is_32bit()", "is_64bit()", "calculate_checksum()",
			"rva_to_offset(pe.entry_point_raw)", "rva_to_offset(0x1000)", "section_index(\".text\")",
			"section_index(\".rdata\")", "section_index(pe.entry_point)", "rich_signature.version(0)",
			"rich_signature.toolid(0)", "rich_signature.version(30729)", "rich_signature.toolid(147, 30729)",
			"exports(\"DllMain\")", "exports(1)", "exports(/^Dll/)", "exports_index(1)", "exports_index(/./)",
			"imports(\"kernel32.dll\")", "imports(\"KERNEL32.DLL\", \"ExitProcess\")", "imports(\"kernel32.dll\", 1)",
			"imports(/kernel32/i, /^Get/)", "imports(/./, /./)", "imports(\"msvcrt.dll\")",
			"imports(pe.IMPORT_DELAYED, /./, /./)", "imports(pe.IMPORT_ANY, /./, /./)",
			"imports(pe.IMPORT_STANDARD, /./, /./)", "imports(pe.IMPORT_DELAYED, \"user32.dll\")",
			"imports(pe.IMPORT_ANY, \"kernel32.dll\")", "imports(pe.IMPORT_DELAYED, \"user32.dll\", \"MessageBoxA\")",
			"imports(pe.IMPORT_ANY, \"KERNEL32.dll\", \"ExitProcess\")", "imports(pe.IMPORT_DELAYED, \"user32.dll\", 2)",
			"imports(pe.IMPORT_ANY, \"kernel32.dll\", 1)", "imports(0, /./, /./)",
			"imports(pe.IMPORT_DELAYED, /^api-ms-win/i, /./)", "imports(pe.IMPORT_DELAYED, /user32/i, /^Message/)",
			"locale(1033)", "locale(1049)", "locale(0x407)",
			"language(9)", "language(0x19)", "language(0)", "locale(0xdaff)", "language(0xff)",
			"delay_import_details[0].number_of_function", "signatures[0].valid_on(1600000000)",
			"signatures[0].valid_on(pe.signatures[0].not_before)", "signatures[0].valid_on(pe.signatures[0].not_after + 1)",
			"signatures[1].valid_on(1700000000)"} {
			out = append(out, [2]string{f, "i"})
		}
		return out
	}(),
	arrays: []dumpArray{
		{"sections", "pe.number_of_sections", [][2]string{{"name", "s"}, {"full_name", "s"}, {"characteristics", "i"},
			{"virtual_address", "i"}, {"virtual_size", "i"}, {"raw_data_offset", "i"}, {"raw_data_size", "i"},
			{"pointer_to_relocations", "i"}, {"pointer_to_line_numbers", "i"}, {"number_of_relocations", "i"},
			{"number_of_line_numbers", "i"}}},
		{"data_directories", "pe.number_of_rva_and_sizes", [][2]string{{"virtual_address", "i"}, {"size", "i"}}},
		{"import_details", "pe.number_of_imports", [][2]string{{"library_name", "s"}, {"number_of_functions", "i"}}},
		{"export_details", "pe.number_of_exports", [][2]string{{"name", "s"}, {"ordinal", "i"}, {"offset", "i"},
			{"forward_name", "s"}}},
		{"resources", "pe.number_of_resources", [][2]string{{"type", "i"}, {"id", "i"}, {"language", "i"},
			{"type_string", "s"}, {"name_string", "s"}, {"language_string", "s"}, {"offset", "i"}, {"length", "i"},
			{"rva", "i"}}},
		{"version_info_list", "pe.number_of_version_infos", [][2]string{{"key", "s"}, {"value", "s"}}},
		{"signatures", "pe.number_of_signatures", [][2]string{{"issuer", "s"}, {"subject", "s"}, {"version", "i"},
			{"algorithm", "s"}, {"algorithm_oid", "s"}, {"serial", "s"}, {"not_before", "i"}, {"not_after", "i"},
			{"thumbprint", "s"}}},
	},
	extra: []string{
		"for any d in pe.import_details : (for any f in d.functions : (console.log(\"fn \", f.name) and false))",
		"for any d in pe.import_details : (for any f in d.functions : (console.log(\"ord \", f.ordinal) and false))",
		"pe.number_of_sections > 3 and pe.sections[0].name == \".text\"",
		"for any s in pe.sections : (s.characteristics & pe.SECTION_MEM_EXECUTE != 0 and s.name == \".text\")",
		"pe.imphash() == \"afe54265af0ee5570cb87b013a2f38da\"",
		"for any k, v in pe.version_info : (k == \"CompanyName\" and v contains \"Microsoft\")",
		"for any r in pe.resources : (r.type == pe.RESOURCE_TYPE_MANIFEST)",
		"pe.number_of_delayed_imports > 0 and pe.imports(pe.IMPORT_DELAYED, /./, /./) == pe.number_of_delayed_imported_functions",
		"for any s in pe.signatures : (s.issuer contains \"Microsoft\" and s.valid_on(1640000000))",
		"pe.number_of_signatures == 0 and not defined pe.signatures[0].subject",
	},
}

func TestYaraModulePE(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	files := goTestdata(t, "pe", dir)
	shared, _ := filepath.Glob("/work/shared/realworld/pe/*")
	files = append(files, realFiles(shared...)...)
	repo, _ := filepath.Glob("../collect/codesign/testdata/realworld/*.dll")
	files = append(files, realFiles(repo...)...)
	data := filepath.Join(dir, "fake")
	if err := os.WriteFile(data, fakePE(), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, data)
	// PEs with version resources in two languages, delay-load imports
	// and exports (internal/pefile's MinGW fixtures), and Authenticode-
	// signed ones (osslsigncode: nested, dual, negative serial, SHA-1).
	files = append(files, peMinGWFixtures(t, dir)...)
	files = append(files, peSignedFixtures(t)...)
	var bad []string
	for i, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() < 400_000 {
			bad = append(bad, corrupt(t, f, dir, 12, 2048, int64(i))...)
			// The resource tree, version info and certificate table
			// sit at the end of these files: damage them too.
			bad = append(bad, corruptTail(t, f, dir, 12, int64(i))...)
			// One damaged byte in a certificate table: yara lists no
			// signature of a PKCS#7 structure OpenSSL cannot decode.
			bad = append(bad, corruptCerts(t, f, dir, 16, int64(i))...)
		}
	}
	diffModule(t, peDump, append(files, bad...))
}

// peMinGWFixtures builds internal/pefile's fixtures (testdata/mkfixtures.sh,
// GNU binutils for MinGW) into dir; none without the tools.
func peMinGWFixtures(t *testing.T, dir string) []string {
	t.Helper()
	for _, tool := range []string{"bash", "cpp", "x86_64-w64-mingw32-ld", "x86_64-w64-mingw32-windres", "i686-w64-mingw32-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("no %s: MinGW PE fixtures not built", tool)
			return nil
		}
	}
	out := filepath.Join(dir, "mingw")
	if b, err := exec.Command("bash", "../pefile/testdata/mkfixtures.sh", out).CombinedOutput(); err != nil {
		t.Fatalf("mkfixtures.sh: %v\n%s", err, b)
	}
	m, _ := filepath.Glob(filepath.Join(out, "*"))
	return append(m, peDelayFixtures(t, filepath.Join(out, "fixture64.exe"), dir)...)
}

// peDelayFixtures makes delay-load variants of a MinGW executable. GNU ld
// links dlltool's delay-import descriptor but leaves the delay-import
// data directory empty, so yara sees none; MSVC's linker sets it. The
// first variant sets it (attributes 1: RVAs); the second turns the
// descriptor into a Visual C++ 6 one (attributes 0) whose name-table
// entries are VAs, which yara converts back to RVAs.
func peDelayFixtures(t *testing.T, exe, dir string) []string {
	t.Helper()
	nm, err := exec.Command("x86_64-w64-mingw32-nm", exe).Output()
	if err != nil {
		t.Logf("nm %s: %v: no delay-load fixtures", exe, err)
		return nil
	}
	f, err := pe.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("%s: not PE32+", exe)
	}
	off := func(rva uint64) uint64 {
		for _, s := range f.Sections {
			if rva >= uint64(s.VirtualAddress) && rva < uint64(s.VirtualAddress)+uint64(s.Size) {
				return rva - uint64(s.VirtualAddress) + uint64(s.Offset)
			}
		}
		t.Fatalf("%s: RVA %#x in no section", exe, rva)
		return 0
	}
	var desc uint64
	for _, l := range strings.Split(string(nm), "\n") {
		if fs := strings.Fields(l); len(fs) == 3 && strings.HasPrefix(fs[2], "__DELAY_IMPORT_DESCRIPTOR_") {
			if _, err := fmt.Sscanf(fs[0], "%x", &desc); err != nil {
				t.Fatal(err)
			}
			desc -= oh.ImageBase
		}
	}
	if desc == 0 {
		t.Fatalf("%s: no delay-import descriptor symbol", exe)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	// The data directories follow the 112-byte PE32+ optional header.
	dd := uint64(binary.LittleEndian.Uint32(b[0x3c:])) + 24 + 112 + 13*8
	binary.LittleEndian.PutUint32(b[dd:], uint32(desc))
	binary.LittleEndian.PutUint32(b[dd+4:], 64)
	v1 := filepath.Join(dir, "delay64.exe")
	if err := os.WriteFile(v1, b, 0o644); err != nil {
		t.Fatal(err)
	}
	d := off(desc)
	binary.LittleEndian.PutUint32(b[d:], 0)
	for e := off(uint64(binary.LittleEndian.Uint32(b[d+16:]))); binary.LittleEndian.Uint64(b[e:]) != 0; e += 8 {
		if v := binary.LittleEndian.Uint64(b[e:]); v&(1<<63) == 0 {
			binary.LittleEndian.PutUint64(b[e:], v+oh.ImageBase)
		}
	}
	v2 := filepath.Join(dir, "delay64-vc6.exe")
	if err := os.WriteFile(v2, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{v1, v2}
}

// peSignedFixtures returns testdata/fixtures/signed.sh's signed PEs
// (from CASCADE_SIGNED_FIXTURES, or built); none without its tools.
func peSignedFixtures(t *testing.T) []string {
	t.Helper()
	d := os.Getenv("CASCADE_SIGNED_FIXTURES")
	if d == "" {
		for _, tool := range []string{"openssl", "osslsigncode", "wixl", "go", "bash"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Logf("no %s: signed PE fixtures not built", tool)
				return nil
			}
		}
		d = testutil.Fixture(t, "signed.sh")
	}
	m, _ := filepath.Glob(filepath.Join(d, "pe", "*.exe"))
	return m
}

// corruptTail is corrupt over the last quarter of the file (at most
// 64 KiB), where resources and the certificate table usually are.
func corruptTail(t *testing.T, src, dir string, n int, seed int64) []string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(seed))
	span := min(len(b)/4, 64<<10)
	var out []string
	for i := 0; i < n && span > 0; i++ {
		c := append([]byte(nil), b...)
		for k := 0; k < 1+r.Intn(8); k++ {
			off := len(c) - 1 - r.Intn(span)
			switch r.Intn(3) {
			case 0:
				c[off] = byte(r.Intn(256))
			case 1:
				c[off] = 0xff
			default:
				c[off] = 0
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("%s.tail%d", filepath.Base(src), i))
		if err := os.WriteFile(p, c, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// corruptCerts changes one byte of src's certificate table (the
// security data directory) in each of n copies; none when src has no
// certificate table.
func corruptCerts(t *testing.T, src, dir string, n int, seed int64) []string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pe.NewFile(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	var dd pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes > 4 {
			dd = oh.DataDirectory[4]
		}
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes > 4 {
			dd = oh.DataDirectory[4]
		}
	}
	start, size := int(dd.VirtualAddress), int(dd.Size)
	if size == 0 || start+size > len(b) {
		return nil
	}
	r := rand.New(rand.NewSource(seed))
	var out []string
	for i := 0; i < n; i++ {
		c := append([]byte(nil), b...)
		off := start + 8 + r.Intn(max(size-8, 1))
		c[off] ^= byte(1 + r.Intn(255))
		p := filepath.Join(dir, fmt.Sprintf("%s.cert%d", filepath.Base(src), i))
		if err := os.WriteFile(p, c, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

var machoDump = func() dumpSpec {
	var sc [][2]string
	for _, f := range []string{"magic", "cputype", "cpusubtype", "filetype", "ncmds", "sizeofcmds", "flags", "reserved",
		"number_of_segments", "entry_point", "stack_size", "fat_magic", "nfat_arch", "MH_MAGIC_64", "CPU_TYPE_X86_64",
		"MH_EXECUTE", "FAT_MAGIC", "S_ATTR_PURE_INSTRUCTIONS", "SG_PROTECTED_VERSION_1",
		"file_index_for_arch(pe_cpu)", "entry_point_for_arch(pe_cpu)", "file_index_for_arch(7, 3)",
		"entry_point_for_arch(16777223, 3)", "file[0].entry_point", "file[1].entry_point", "file[0].number_of_segments",
		"file[1].segments[1].vmaddr", "file[1].segments[1].sections[0].addr", "fat_arch[0].offset", "fat_arch[1].size",
		"fat_arch[1].cputype", "fat_arch[0].align"} {
		sc = append(sc, [2]string{strings.ReplaceAll(f, "pe_cpu", "7"), "i"})
	}
	for _, f := range []string{"file[1].segments[1].segname", "file[0].segments[2].sections[1].sectname"} {
		sc = append(sc, [2]string{f, "s"})
	}
	var sec [][2]string
	for _, f := range []string{"addr", "size", "offset", "align", "reloff", "nreloc", "flags", "reserved1",
		"reserved2", "reserved3"} {
		sec = append(sec, [2]string{f, "i"})
	}
	segFields := [][2]string{{"segname", "s"}, {"vmaddr", "i"}, {"vmsize", "i"}, {"fileoff", "i"}, {"fsize", "i"},
		{"maxprot", "i"}, {"initprot", "i"}, {"nsects", "i"}, {"flags", "i"}}
	var extra []string
	// Every section of every segment, through nested loops.
	for _, f := range append([][2]string{{"sectname", "s"}, {"segname", "s"}}, sec...) {
		extra = append(extra, fmt.Sprintf("for any s in macho.segments : (for any x in s.sections : (console.log(\"sect %s=\", x.%s) and false))", f[0], f[0]))
	}
	return dumpSpec{
		module:  "macho",
		scalars: sc,
		arrays: []dumpArray{
			{"segments", "macho.number_of_segments", segFields},
			{"fat_arch", "macho.nfat_arch", [][2]string{{"cputype", "i"}, {"cpusubtype", "i"}, {"offset", "i"},
				{"size", "i"}}},
			{"file", "macho.nfat_arch", [][2]string{{"magic", "i"}, {"cputype", "i"}, {"filetype", "i"},
				{"ncmds", "i"}, {"number_of_segments", "i"}, {"entry_point", "i"}, {"stack_size", "i"}}},
		},
		extra: append(extra, "macho.filetype == macho.MH_EXECUTE and macho.cputype == macho.CPU_TYPE_X86_64",
			"for any f in macho.file : (f.cputype == macho.CPU_TYPE_I386)"),
	}
}()

func TestYaraModuleMachO(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	files := goTestdata(t, "macho", dir)
	var bad []string
	for i, f := range files {
		bad = append(bad, corrupt(t, f, dir, 15, 1024, int64(100+i))...)
	}
	diffModule(t, machoDump, append(files, bad...))
}

// TestYaraModuleConsoleTime compares the console module's formatting
// (escapes, integers, hex of negative numbers, floats, messages cut at
// a NUL) and time.now() with yara's.
func TestYaraModuleConsoleTime(t *testing.T) {
	testutil.NeedTools(t, "yara")
	dir := t.TempDir()
	rules := filepath.Join(dir, "c.yar")
	src := `import "console"
import "time"
import "math"
rule c1 { condition: console.log("plain") and console.log("a\x00b\xff\t~ ") and console.log("n=", -5) }
rule c2 { condition: console.hex(-1) and console.hex("h=", 255) and console.log(3.25) and console.log("f=", math.entropy("aabb")) }
rule c3 { condition: console.log("x\x00y", "z\x01") and console.log(0) and console.log("e=", math.entropy(0, filesize)) }
rule c4 { condition: time.now() > 1700000000 and time.now() < 4102444800 }
rule c5 { condition: console.log("never") and false and console.log("not reached") }
rule c6 { condition: (console.log(math.mean(filesize, 1)) or console.log("after undefined")) }
`
	if err := os.WriteFile(rules, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "d")
	if err := os.WriteFile(data, []byte("hello console"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{rules, data}, {"-c", rules, data}, {"-n", rules, data}, {"-s", rules, data}} {
		diffOne(t, args)
	}
}
