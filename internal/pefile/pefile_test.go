package pefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func open(t testing.TB, b []byte, lim Limits) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return f
}

func TestNotPE(t *testing.T) {
	good := synth(nil, nil)
	badSig := bytes.Clone(good)
	copy(badSig[0x80:], "NE")
	farLfanew := bytes.Clone(good)
	binary.LittleEndian.PutUint32(farLfanew[0x3c:], 0xfffffff0)
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than a DOS header"},
		{"ELF", append([]byte("\x7fELF"), make([]byte, 100)...), "no MZ signature"},
		{"NE", badSig, "is not PE"},
		{"e_lfanew past the end", farLfanew, "e_lfanew at 0x3c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(bytes.NewReader(tt.b), int64(len(tt.b)), Limits{})
			if f != nil || !errors.Is(err, ErrNotPE) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, %v; want ErrNotPE with %q", f, err, tt.want)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	f := open(t, synth([]byte("x"), nil), Limits{})
	if !f.IsDLL() || !f.Is64() || len(f.Sections) != 1 || f.Sections[0].Name != ".data" || f.Overlay.Size != 0 {
		t.Errorf("headers: dll %v, 64 %v, sections %+v, overlay %+v", f.IsDLL(), f.Is64(), f.Sections, f.Overlay)
	}
	if off, ok := f.RVAToOffset(0x1000); !ok || off != 0x200 {
		t.Errorf("RVAToOffset(0x1000) = %#x, %v", off, ok)
	}
	if _, ok := f.RVAToOffset(0x5000); ok {
		t.Error("RVA outside every section mapped")
	}
	// A section table that runs past the end of the file.
	b := synth(nil, nil)
	binary.LittleEndian.PutUint16(b[0x86:], 900)
	f, err := Open(bytes.NewReader(b), int64(len(b)), Limits{})
	if f == nil || err == nil || !strings.Contains(err.Error(), "section table at 0x188: 900 sections declared") {
		t.Errorf("truncated section table: %v", err)
	}
	if f, err = Open(bytes.NewReader(b), int64(len(b)), Limits{MaxSections: 2}); err == nil || len(f.Sections) != 2 {
		t.Errorf("section limit: %v", err)
	}
}

// wantErr checks that err mentions every fragment.
func wantErr(t *testing.T, err error, frags ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", frags)
	}
	for _, s := range frags {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestResourcesHostile(t *testing.T) {
	const sub = 0x80000000
	var loop, deep, wide, badName blob
	loop.resDir(0, [2]uint32{16, sub}) // a subdirectory at offset 0: the root itself
	for i := 0; i < 20; i++ {
		deep.resDir(i*0x20, [2]uint32{uint32(i), sub | uint32(i+1)*0x20})
	}
	var ents [][2]uint32
	for i := 0; i < 10; i++ {
		ents = append(ents, [2]uint32{uint32(i), 0x200})
	}
	wide.resDir(0, ents...).u32(0x200, 0x1000).u32(0x204, 4)
	badName.resDir(0, [2]uint32{sub | 0x7000, 0x200}).u32(0x200, 0x1000).u32(0x204, 4)
	tests := []struct {
		name   string
		data   blob
		lim    Limits
		leaves int
		frags  []string
	}{
		{"loop", loop, Limits{}, 0, []string{"resource directory at 0x200", "loop cut"}},
		{"deep", deep, Limits{}, 0, []string{"deeper than 8 levels"}},
		{"wide", wide, Limits{MaxResources: 4}, 3, []string{"over 4 directories and entries"}},
		{"name outside", badName, Limits{}, 1, []string{"resource entry name at 0x210", "RVA 0x8000 maps to no byte"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, synth(tt.data, map[int][2]uint32{DirResource: {0x1000, uint32(len(tt.data))}}), tt.lim)
			res, err := f.Resources()
			wantErr(t, err, tt.frags...)
			if len(res.Entries) != tt.leaves {
				t.Errorf("%d leaves, want %d", len(res.Entries), tt.leaves)
			}
		})
	}
}

func TestImportsExportsHostile(t *testing.T) {
	// Descriptors that never end: the section's data runs out first.
	var imp blob
	for i := 0; i < 10; i++ {
		imp.u32(20*i, 0x1400).u32(20*i+12, 0x1300).u32(20*i+16, 0x1400)
	}
	imp.put(0x300, []byte("a.dll\x00")).u32(0x400, 0x80000000).u32(0x404, 0x80000000).u32(0x408, 0x9000)
	f := open(t, synth(imp, map[int][2]uint32{DirImport: {0x1000, 0x28}}), Limits{MaxImportFunctions: 5})
	dlls, err := f.Imports()
	wantErr(t, err, "over 5 imported functions", "import thunk at 0x608: hint/name: import hint: RVA 0x9000 maps to no byte")
	if n := strings.Count(err.Error(), "over 5"); n != 1 {
		t.Errorf("the function limit reported %d times", n)
	}
	if len(dlls) == 0 || dlls[0].Name != "a.dll" || dlls[0].Functions[0].Ordinal != 0 || !dlls[0].Functions[0].ByOrdinal {
		t.Errorf("imports = %+v", dlls)
	}
	// Exports: a huge function count, and a name pointing past it.
	var exp blob
	exp.u32(12, 0x1100).u32(16, 1).u32(20, 0xffffff).u32(24, 1).u32(28, 0x1200).u32(32, 0x1300).u32(36, 0x1380)
	exp.put(0x100, []byte("x.dll\x00")).u32(0x200, 0x1500).u32(0x300, 0x1110).u16(0x380, 9).put(0x110, []byte("F\x00"))
	f = open(t, synth(exp, map[int][2]uint32{DirExport: {0x1000, 0x40}}), Limits{MaxExports: 4})
	x, err := f.Exports()
	wantErr(t, err, "16777215 functions", "over the limit of 4", "export ordinal table at 0x580: name 0 points at function 9 of 4")
	if x == nil || x.DLLName != "x.dll" || len(x.Functions) != 1 || x.Functions[0].Ordinal != 1 || x.Functions[0].Name != "" {
		t.Errorf("exports = %+v", x)
	}
}

func TestDebugHostile(t *testing.T) {
	var d blob
	d.u32(12, DebugCodeView).u32(16, 100).u32(24, 0xfff0) // data past the end
	d.u32(28+12, DebugCodeView).u32(28+16, 8).u32(28+24, 0x300).put(0x100, []byte("XXXX1234"))
	d.u32(56+12, DebugRepro)
	f := open(t, synth(d, map[int][2]uint32{DirDebug: {0x1000, 84}}), Limits{})
	ents, err := f.Debug()
	wantErr(t, err, "debug entry at 0x200: 100 bytes of data at 0xfff0", "CodeView record at 0x300: signature \"XXXX\"")
	if len(ents) != 3 || !HasRepro(ents) || PDB(ents) != nil {
		t.Errorf("entries = %+v", ents)
	}
}

// ver encodes a version node the way rc.exe does.
func ver(key string, value []byte, valueLen int, typ uint16, children ...[]byte) []byte {
	var b blob
	b.put(6, append(utf16le(key), 0, 0))
	b.grow((len(b) + 3) &^ 3)
	b = append(b, value...)
	for _, c := range children {
		b.grow((len(b) + 3) &^ 3)
		b = append(b, c...)
	}
	b.u16(0, uint16(len(b))).u16(2, uint16(valueLen)).u16(4, typ)
	return b
}

func str(k, v string) []byte {
	val := append(utf16le(v), 0, 0)
	return ver(k, val, len(val)/2, 1)
}

func TestParseVersionInfo(t *testing.T) {
	fixed := make([]byte, 52)
	binary.LittleEndian.PutUint32(fixed, fixedSig)
	binary.LittleEndian.PutUint32(fixed[8:], 1<<16|2)
	binary.LittleEndian.PutUint32(fixed[12:], 3<<16|4)
	good := ver("VS_VERSION_INFO", fixed, 52, 0,
		ver("StringFileInfo", nil, 0, 1,
			ver("040904b0", nil, 0, 1, str("CompanyName", "Example"), str("FileVersion", "1.2")),
			ver("040704b0", nil, 0, 1, str("CompanyName", "Beispiel"))),
		ver("VarFileInfo", nil, 0, 1, ver("Translation", []byte{9, 4, 0xb0, 4, 7, 4, 0xb0, 4}, 8, 0)))
	v, err := ParseVersionInfo(good, 0x100)
	if err != nil {
		t.Fatal(err)
	}
	if v.Fixed.FileVersion() != "1.2.3.4" || len(v.Tables) != 2 || v.Tables[1].Lang != 0x407 || v.Tables[1].CodePage != 1200 ||
		!slices.Equal(v.Translations, []Translation{{0x409, 1200}, {0x407, 1200}}) || v.Strings()["CompanyName"] != "Beispiel" {
		t.Errorf("version = %+v", v)
	}
	// A wrong value length (in characters) is common: the node's end wins.
	short := ver("VS_VERSION_INFO", fixed, 52, 0, ver("StringFileInfo", nil, 0, 1, ver("040904b0", nil, 0, 1, ver("ProductName", append(utf16le("Tool"), 0, 0), 0, 1))))
	if v, err := ParseVersionInfo(short, 0); err != nil || v.Strings()["ProductName"] != "Tool" {
		t.Errorf("zero value length: %+v, %v", v, err)
	}
	tests := []struct {
		name  string
		b     []byte
		frags []string
	}{
		{"other key", ver("VS_VERSION_INFX", nil, 0, 0), []string{"at 0x100", "not VS_VERSION_INFO"}},
		{"truncated", good[:90], []string{"version node at 0x100: length"}},
		{"child overflows", append(good[:len(good):len(good)], 0xff), nil},
		{"length under 6", []byte{2, 0, 0, 0, 0, 0, 'V', 0}, []string{"not VS_VERSION_INFO"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseVersionInfo(tt.b, 0x100)
			if tt.frags == nil {
				if err != nil {
					t.Errorf("trailing byte: %v", err)
				}
				return
			}
			wantErr(t, err, tt.frags...)
		})
	}
}

// TestMingwFixtures checks what testdata/mkfixtures.sh wrote (version.rc,
// fixture.def) is read back: facts, not only agreement with pefile.
func TestMingwFixtures(t *testing.T) {
	files := mingwFixtures(t)
	for _, name := range []string{"fixture64.dll", "fixture32.dll"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(files[0]), name))
			if err != nil {
				t.Fatal(err)
			}
			f := open(t, b, Limits{})
			vers, err := f.VersionInfo()
			if err != nil || len(vers) != 1 {
				t.Fatalf("version: %v, %d", err, len(vers))
			}
			v := vers[0]
			if len(v.Tables) != 2 || v.Tables[0].Strings[0] != (VersionString{"CompanyName", "Cascade Fixture Ltd"}) ||
				v.Strings()["CompanyName"] != "Cascade Testfirma GmbH" || v.Fixed.FileVersion() != "18.12.416.0" ||
				v.Strings()["LegalCopyright"] != "© nobody" || !slices.Equal(v.Translations, []Translation{{0x409, 1200}, {0x407, 1200}}) {
				t.Errorf("version = %+v", v)
			}
			dbg, err := f.Debug()
			if cv := PDB(dbg); err != nil || cv == nil || cv.Format != "RSDS" || cv.PDBPath != strings.TrimSuffix(name, ".dll")+".pdb" || cv.Age != 1 {
				t.Errorf("debug = %+v, %v", dbg, err)
			}
			x, err := f.Exports()
			if err != nil || x.DLLName != "fixture.dll" || !f.IsDLL() {
				t.Fatalf("exports: %+v, %v", x, err)
			}
			got := map[string]Export{}
			for _, e := range x.Functions {
				got[e.Name] = e
			}
			if got["Beta"].Ordinal != 7 || got[""].Ordinal != 9 || got["Forwarded"].Forwarder != "kernel32.GetTickCount" {
				t.Errorf("exports = %+v", x.Functions)
			}
			imps, err := f.Imports()
			if err != nil || len(imps) != 1 || imps[0].Name != "kernel32.dll" || len(imps[0].Functions) != 3 ||
				imps[0].Functions[0].Name != "ExitProcess" || !imps[0].Functions[2].ByOrdinal || imps[0].Functions[2].Ordinal != 4 {
				t.Errorf("imports = %+v, %v", imps, err)
			}
		})
	}
}
