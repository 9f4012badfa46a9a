package yara

import (
	"bytes"
	"context"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// walkObj touches every value of a parsed module object, as rules
// would, so fuzzing reaches the compact structures' accessors too.
func walkObj(v any, depth int) int {
	if depth > 8 {
		return 0
	}
	n := 0
	switch o := v.(type) {
	case mobj:
		for _, x := range o {
			n += walkObj(x, depth+1)
		}
	case marr:
		for _, x := range o {
			n += walkObj(x, depth+1)
		}
	case mdict:
		for _, x := range o {
			n += walkObj(x, depth+1)
		}
	case fielder:
		for _, f := range []string{"name", "value", "size", "type", "bind", "shndx"} {
			n += walkObj(o.field(f), depth+1)
		}
	case value:
		n++
	}
	return n
}

// seedFiles adds the Go toolchain's sample binaries of a debug package
// to a fuzz corpus when they are there.
func seedFiles(f *testing.F, pkg string) {
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return
	}
	dir := filepath.Join(strings.TrimSpace(string(root)), "src", "debug", pkg, "testdata")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

func FuzzELF(f *testing.F) {
	seedFiles(f, "elf")
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"))
	f.Fuzz(func(t *testing.T, d []byte) {
		o, _ := parseELF(d)
		walkObj(o, 0)
	})
}

// TestModuleParserPanicIsPerFile checks that a module parser's panic
// becomes a per-file module error with undefined values, not a crash.
func TestModuleParserPanicIsPerFile(t *testing.T) {
	modules["boom"] = &module{fields: map[string]*mtype{"x": tyInt}, parse: func(*evalCtx) (mobj, error) {
		panic("bad")
	}}
	modules["boom"].schema = structType(modules["boom"].fields)
	defer delete(modules, "boom")
	knownModules["boom"] = true
	defer delete(knownModules, "boom")
	c := NewCompiler()
	if err := c.AddSource("t.yar", "import \"boom\"\nrule a { condition: not defined boom.x }", ""); err != nil {
		t.Fatal(err)
	}
	r, err := c.Rules()
	if err != nil {
		t.Fatal(err)
	}
	in := &ScanData{Data: []byte("x")}
	res, err := r.Evaluate(context.Background(), in)
	if err != nil || !res[0] || len(in.ModuleErrors) != 1 {
		t.Fatalf("res %v err %v module errors %v", res, err, in.ModuleErrors)
	}
}

func TestStrtoll(t *testing.T) {
	for _, c := range []struct {
		s    string
		base int
		want value
	}{
		{"123", 0, vInt(123)}, {" -12", 0, vInt(-12)}, {"+7", 10, vInt(7)}, {"0x1f", 0, vInt(31)},
		{"0x1f", 16, vInt(31)}, {"1f", 16, vInt(31)}, {"017", 0, vInt(15)}, {"017", 10, vInt(17)},
		{"12a", 10, undef}, {"", 0, undef}, {"0x", 0, undef}, {"z", 36, vInt(35)},
		{"9223372036854775807", 10, vInt(9223372036854775807)}, {"9223372036854775808", 10, undef},
		{"-9223372036854775808", 10, vInt(-9223372036854775808)}, {"12\x0034", 0, vInt(12)}, {"12 ", 0, undef},
	} {
		if got := strtoll(c.s, c.base); got != c.want {
			t.Errorf("strtoll(%q, %d) = %+v, want %+v", c.s, c.base, got, c.want)
		}
	}
}

func TestConsoleEscape(t *testing.T) {
	if got := consoleEscape("a\x00b\xff~ "); got != `a\x00b\xff~ ` {
		t.Errorf("got %q", got)
	}
	if cFloat(1.5) != "1.500000" {
		t.Errorf("cFloat")
	}
}

func FuzzPE(f *testing.F) {
	seedFiles(f, "pe")
	b := make([]byte, 0x400)
	copy(b, "MZ")
	b[0x3c] = 0x80
	copy(b[0x80:], "PE\x00\x00")
	b[0x86] = 1
	b[0x94] = 0xe0
	f.Add(b)
	f.Fuzz(func(t *testing.T, d []byte) {
		o, _ := peObject(d)
		walkObj(o, 0)
		if p, _ := o[peKey].(*peParsed); p != nil {
			imphash(p)
			peChecksum(p)
			richCount(o["rich_signature"].(mobj), 0, richAny)
			resourceLanguage(o, 1033, 0xffff)
			resourceLanguage(o, 9, 0xff)
			importsFn(p.delayed, "user32.dll", "MessageBoxA")
			importsOrd(p.delayed, "user32.dll", 1)
			importsDLL(p.delayed, "user32.dll")
		}
	})
}

func FuzzMachO(f *testing.F) {
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x48\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x01\x00\x00\x00\x07\x00\x00\x00\x03\x00\x00\x00\x1c\x00\x00\x00\x20\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, d []byte) {
		o, _ := parseMachO(d)
		walkObj(o, 0)
	})
}

// TestUnimplementedMembersDoNotCompile: what yara has and this engine
// does not is a compile error naming it, never a silent non-match.
func TestUnimplementedMembersDoNotCompile(t *testing.T) {
	for _, c := range []struct{ cond, want string }{
		{`pe.is_signed == 1`, "pe.is_signed"},
		{`elf.telfhash() == ""`, "elf.telfhash"},
		{`pe.sections[0].bogus == 1`, "pe.sections[].bogus"},
	} {
		c2 := NewCompiler()
		err := c2.AddSource("t.yar", "import \"pe\"\nimport \"elf\"\nrule a { condition: "+c.cond+" }", "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.cond, err, c.want)
		}
	}
	c := NewCompiler()
	if err := c.AddSource("t.yar", "import \"magic\"\nrule a { condition: true }", ""); err == nil ||
		!strings.Contains(err.Error(), "magic") {
		t.Errorf("import magic: %v", err)
	}
}

// TestStringModule evaluates the string module (yara 4.3's) end to end.
func TestStringModule(t *testing.T) {
	c := NewCompiler()
	src := `import "string"
rule a { condition: string.to_int("0x10") == 16 and string.to_int("777", 8) == 511 and string.length("a\x00b") == 3 }
rule b { condition: defined string.to_int("12z") or defined string.to_int("1", 1) }`
	if err := c.AddSource("t.yar", src, ""); err != nil {
		t.Fatal(err)
	}
	r, err := c.Rules()
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Evaluate(context.Background(), &ScanData{})
	if err != nil || !res[0] || res[1] {
		t.Fatalf("res %v err %v", res, err)
	}
}

// FuzzPESignatures runs the PKCS#7 reader of pe.signatures over
// arbitrary bytes, seeded with a real Authenticode signature.
func FuzzPESignatures(f *testing.F) {
	if b, err := os.ReadFile("../../collect/codesign/testdata/realworld/kdbazis.dll"); err == nil {
		if pf, err := pe.NewFile(bytes.NewReader(b)); err == nil {
			if oh, ok := pf.OptionalHeader.(*pe.OptionalHeader64); ok {
				// WIN_CERTIFICATE: an 8-byte header, then the PKCS#7.
				dd := oh.DataDirectory[4]
				if dd.Size > 8 && int(dd.VirtualAddress+dd.Size) <= len(b) {
					f.Add(b[dd.VirtualAddress+8 : dd.VirtualAddress+dd.Size])
				}
			}
		}
	}
	f.Add([]byte("\x30\x03\x06\x01\x00"))
	f.Fuzz(func(t *testing.T, d []byte) {
		p := &peParsed{}
		in, el := cryptobyte.String(d), cryptobyte.String(nil)
		if in.ReadASN1Element(&el, cbasn1.SEQUENCE) {
			parsePKCS7(el, p, 0)
		}
		if len(p.signatures) > peMaxCerts {
			t.Fatalf("%d signatures", len(p.signatures))
		}
	})
}

// TestPESignatureSeed: the real signature parses into its signer's
// certificate (values checked against yara in internal/cli).
func TestPESignatureSeed(t *testing.T) {
	b, err := os.ReadFile("../../collect/codesign/testdata/realworld/kdbazis.dll")
	if err != nil {
		t.Skip(err)
	}
	o, _ := peObject(b)
	sigs, _ := o["signatures"].(marr)
	if len(sigs) != 1 {
		t.Fatalf("%d signatures, want 1", len(sigs))
	}
	if got := sigs[0].(mobj)["subject"].(value).s; got != "/CN=VirtualKD-Redux SPC" {
		t.Errorf("subject %q", got)
	}
	// One damaged tag inside the certificate: OpenSSL's d2i_PKCS7 fails,
	// so yara (and this module) list no signature.
	c := append([]byte(nil), b...)
	c[13312+8+1608] = 0x0f
	o, _ = peObject(c)
	if n := o["number_of_signatures"].(value).i; n != 0 {
		t.Errorf("damaged: %d signatures, want 0", n)
	}
}

// TestD2IPKCS7: one changed byte in a real Authenticode signature, and
// whether yara 4.2.3 (OpenSSL's d2i_PKCS7) still lists the signature,
// as observed with Debian's yara on these exact files.
func TestD2IPKCS7(t *testing.T) {
	b, err := os.ReadFile("../../collect/codesign/testdata/realworld/kdbazis.dll")
	if err != nil {
		t.Skip(err)
	}
	const p7 = 13312 + 8 // the certificate table's PKCS#7
	for _, c := range []struct {
		off  int
		v    byte
		want int64
		why  string
	}{
		{-1, 0, 1, "undamaged"},
		{4400, 0x00, 1, "inside the encrypted digest"},
		{1160, 0xff, 0, "NULL tag to a high-tag-number form"},
		{1160, 0x11, 0, "NULL to a primitive SET in an ANY"},
		{1608, 0x0f, 0, "SEQUENCE tag to a reserved one"},
		{4175, 0x00, 0, "digest algorithm OID tag"},
		{4281, 0x00, 0, "digest OCTET STRING length"},
		{1643, 0x00, 0, "name SET length"},
		{738, 0xff, 0, "extension OCTET STRING length"},
		{1727, 0xc0, 0, "public key algorithm OID length"},
		{2876, 0xff, 0, "PrintableString tag"},
		{2871, 0xff, 0, "attribute type OID tag"},
		{3596, 0x00, 0, "signature BIT STRING length"},
		{4867, 0x49, 0, "an attribute value SET length"},
	} {
		d := append([]byte(nil), b...)
		if c.off >= 0 {
			d[p7+c.off] = c.v
		}
		o, _ := peObject(d)
		if got := o["number_of_signatures"].(value).i; got != c.want {
			t.Errorf("%s (%d=%#x): %d signatures, yara lists %d", c.why, c.off, c.v, got, c.want)
		}
	}
}
