package clr

import (
	"bytes"
	"debug/pe"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// imageOf describes data with the standard library's PE reader (an
// independent reader of the headers); nil when data is not PE.
func imageOf(data []byte) *Image {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil || len(data) < 0x40 {
		return nil
	}
	lfanew := int64(data[0x3c]) | int64(data[0x3d])<<8 | int64(data[0x3e])<<16 | int64(data[0x3f])<<24
	im := &Image{Data: data, IsDLL: f.Characteristics&pe.IMAGE_FILE_DLL != 0}
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		im.NumberOfRvaAndSizes, im.EntryPoint, im.FileAlignment = h.NumberOfRvaAndSizes, h.AddressOfEntryPoint, h.FileAlignment
		im.COMDirectory = lfanew + 24 + 96 + 8*14
	case *pe.OptionalHeader64:
		im.Is64 = true
		im.NumberOfRvaAndSizes, im.EntryPoint, im.FileAlignment = h.NumberOfRvaAndSizes, h.AddressOfEntryPoint, h.FileAlignment
		im.COMDirectory = lfanew + 24 + 112 + 8*14
	default:
		return nil
	}
	for _, s := range f.Sections {
		im.Sections = append(im.Sections, Section{s.VirtualAddress, s.VirtualSize, s.Offset, s.Size})
	}
	return im
}

var (
	fixturesOnce sync.Once
	fixturesDir  string
	fixturesErr  error
)

// fixture builds the C# fixtures (testdata/gen.sh, which needs mcs from
// Debian's mono-mcs) once per run and returns the bytes of name.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	testutil.NeedTools(tb, "mcs") // Debian package mono-mcs
	fixturesOnce.Do(func() {
		fixturesDir, fixturesErr = os.MkdirTemp("", "clr-fixtures")
		if fixturesErr == nil {
			var out []byte
			if out, fixturesErr = exec.Command("sh", "testdata/gen.sh", fixturesDir).CombinedOutput(); fixturesErr != nil {
				fixturesErr = errors.New(fixturesErr.Error() + ": " + string(out))
			}
		}
	})
	if fixturesErr != nil {
		tb.Fatalf("gen.sh: %v", fixturesErr)
	}
	b, err := os.ReadFile(filepath.Join(fixturesDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixturesDir != "" {
		os.RemoveAll(fixturesDir)
	}
	os.Exit(code)
}

// utf16le encodes s as the #US heap and string constants hold it.
func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestFixtures checks what Parse reads from the mcs-built assemblies
// against what their C# sources declare: the facts come from the
// sources, not from this reader.
func TestFixtures(t *testing.T) {
	res1, err := os.ReadFile("testdata/res1.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lib.dll", "lib64.dll"} {
		t.Run(name, func(t *testing.T) {
			data := fixture(t, name)
			md, err := Parse(imageOf(data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			a := md.Assembly
			for _, c := range []struct{ what, got, want string }{
				{"version", deref(md.Version), "v4.0.30319"},
				{"module name", deref(md.ModuleName), name},
				{"assembly name", deref(a.Name), strings.TrimSuffix(name, ".dll")},
				{"typelib", deref(md.Typelib), "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
				{"module refs", strings.Join(md.ModuleRefs, ","), "kernel32.dll,user32.dll"},
				{"assembly ref", deref(md.AssemblyRefs[0].Name), "mscorlib"},
				// The key token of mscorlib, less its last byte (yara 4.2).
				{"key token", deref(md.AssemblyRefs[0].PublicKeyOrToken), "\xb7\x7a\x5c\x56\x19\x34\xe0"},
				// String constants, less their last byte (yara 4.2).
				{"constants", strings.Join(md.Constants, "|"),
					utf16le("cascade-constant-marker")[:45] + "|" + utf16le("second constant")[:29]},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
				}
			}
			if a.Version != (Version{1, 2, 3, 4}) || a.Culture != nil {
				t.Errorf("assembly: %+v culture %q", a.Version, deref(a.Culture))
			}
			if !md.IsDotNet || len(md.Streams) != 5 || md.Streams[0].Name != "#~" {
				t.Errorf("streams: %+v", md.Streams)
			}
			if len(md.GUIDs) != 1 || len(md.FieldOffsets) != 1 {
				t.Errorf("guids %q field offsets %v", md.GUIDs, md.FieldOffsets)
			}
			if !contains(md.UserStrings, utf16le("hello from the cascade fixture ")) {
				t.Errorf("user strings %q lack the literal", md.UserStrings)
			}
			if name == "lib64.dll" {
				if len(md.Resources) != 0 {
					t.Errorf("resources %+v in a build without any", md.Resources)
				}
				return
			}
			if len(md.Resources) != 2 || deref(md.Resources[0].Name) != "cascade.res1.txt" ||
				deref(md.Resources[1].Name) != "Cascade.Second.bin" {
				t.Fatalf("resources %+v", md.Resources)
			}
			r := md.Resources[0]
			if got := data[r.Offset : r.Offset+int64(r.Length)]; !bytes.Equal(got, res1) {
				t.Errorf("resource data %q, want %q", got, res1)
			}
		})
	}
}

// TestCulture checks the Assembly row's Culture column of the
// culture-specific library (sat.cs declares "de-DE").
func TestCulture(t *testing.T) {
	md, err := Parse(imageOf(fixture(t, "sat.dll")))
	if err != nil || md.Assembly == nil {
		t.Fatalf("Parse: %v, assembly %+v", err, md.Assembly)
	}
	if got := deref(md.Assembly.Culture); got != "de-DE" || deref(md.Assembly.Name) != "sat" ||
		md.Assembly.Version != (Version{2, 0, 0, 0}) {
		t.Errorf("culture %q, name %q, version %+v", got, deref(md.Assembly.Name), md.Assembly.Version)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestProgram checks the executable: its entry point stub and its two
// assembly references.
func TestProgram(t *testing.T) {
	md, err := Parse(imageOf(fixture(t, "app.exe")))
	if err != nil || !md.IsDotNet {
		t.Fatalf("Parse: %v, is .NET %v", err, md.IsDotNet)
	}
	var names []string
	for _, r := range md.AssemblyRefs {
		names = append(names, deref(r.Name))
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "System.Xml,mscorlib" {
		t.Errorf("assembly refs %s", got)
	}
	if v := md.Assembly.Version; v != (Version{7, 0, 65535, 1}) {
		t.Errorf("assembly version %+v", v)
	}
	// The literal holds non-ASCII letters: UTF-16, not Latin-1.
	if !contains(md.UserStrings, utf16le("<a b='c'/>")) || md.Typelib != nil {
		t.Errorf("user strings %q, typelib %q", md.UserStrings, deref(md.Typelib))
	}
}

// TestHostile damages the library's metadata in the ways a crafted file
// would and checks the reader stops with an error naming the place, or
// reads around it, never reading outside the file.
func TestHostile(t *testing.T) {
	orig := fixture(t, "lib.dll")
	base, _ := Parse(imageOf(orig))
	tilde := base.Streams[0].Offset
	for _, c := range []struct {
		name    string
		mutate  func(b []byte) []byte
		wantErr string
		check   func(t *testing.T, md *Metadata)
	}{
		{"row count over the cap", func(b []byte) []byte { put32(b, tilde+24, 10001); return b },
			"over the limit of 10000", func(t *testing.T, md *Metadata) {
				if md.ModuleName != nil || md.HasConstants {
					t.Errorf("tables read past a capped one: %+v", md)
				}
			}},
		{"unknown table", func(b []byte) []byte { b[tilde+8] |= 1 << 7; return b }, // ParamPtr
			"does not know", nil},
		{"truncated in the tables", func(b []byte) []byte { return b[:tilde+40] },
			"", func(t *testing.T, md *Metadata) {
				if !md.IsDotNet || len(md.Constants) != 0 {
					t.Errorf("%+v", md)
				}
			}},
		{"no metadata magic", corruptMagic,
			"", func(t *testing.T, md *Metadata) {
				if md.IsDotNet {
					t.Error("is .NET without the metadata magic")
				}
			}},
		{"#US out of the file", func(b []byte) []byte { put32(b, usHeader(t, b, base)+4, 1<<30); return b },
			"#US stream header", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(append([]byte(nil), orig...))
			md, err := Parse(imageOf(b))
			var ce *Error
			switch {
			case c.wantErr == "" && err != nil && !errors.As(err, &ce):
				t.Errorf("error %v is not an *Error", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.As(err, &ce) || ce.Off <= 0):
				t.Errorf("error %v, want an *Error with an offset saying %q", err, c.wantErr)
			}
			if c.check != nil {
				c.check(t, md)
			}
		})
	}
}

func put32(b []byte, off int64, v uint32) {
	b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// corruptMagic breaks the metadata root's BSJB signature.
func corruptMagic(b []byte) []byte {
	i := bytes.Index(b, []byte("BSJB"))
	b[i] = 'X'
	return b
}

// usHeader finds the #US stream header.
func usHeader(t *testing.T, b []byte, md *Metadata) int64 {
	i := bytes.Index(b, []byte("#US\x00"))
	if i < 8 {
		t.Fatal("no #US stream header")
	}
	return int64(i - 8)
}
