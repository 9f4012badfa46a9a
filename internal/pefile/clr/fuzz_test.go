package clr

import (
	"errors"
	"os/exec"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary files to Parse: it must not panic, it must
// give the same answer twice, its errors must be *Error values with an
// offset, and what it reports must lie inside the file and within the
// caps. The seeds are the mcs-built fixtures when mcs is installed.
func FuzzParse(f *testing.F) {
	if _, err := exec.LookPath("mcs"); err == nil {
		for _, n := range []string{"lib.dll", "app.exe", "lib64.dll"} {
			f.Add(fixture(f, n))
		}
	}
	f.Add([]byte("MZ"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im := imageOf(data)
		if im == nil {
			// Not PE to debug/pe: describe it as a headerless image
			// mapped one to one, so the metadata reader still runs.
			im = &Image{Data: data, IsDLL: true, COMDirectory: 0}
		}
		md, err := Parse(im)
		if md == nil {
			t.Fatal("Parse returned no Metadata")
		}
		var ce *Error
		if err != nil && (!errors.As(err, &ce) || ce.Off < 0) {
			t.Fatalf("error %v is not an *Error with an offset", err)
		}
		if again, err2 := Parse(im); !reflect.DeepEqual(md, again) || (err == nil) != (err2 == nil) {
			t.Fatalf("two parses of one file differ")
		}
		if !md.IsDotNet && !reflect.DeepEqual(md, &Metadata{}) {
			t.Fatalf("not .NET, yet %+v", md)
		}
		for _, r := range md.Resources {
			if r.Offset < 4 || r.Offset-4+int64(r.Length) > int64(len(data)) {
				t.Fatalf("resource %+v outside the %d-byte file", r, len(data))
			}
		}
		for _, o := range md.FieldOffsets {
			if o < 0 || o >= int64(len(data)) {
				t.Fatalf("field offset %d outside the file", o)
			}
		}
		if len(md.GUIDs) > maxGUIDs || len(md.Streams) > 255 || len(md.UserStrings) > maxUserStrings {
			t.Fatalf("over a cap: %d GUIDs, %d streams, %d user strings", len(md.GUIDs), len(md.Streams), len(md.UserStrings))
		}
		for _, n := range [][]string{md.ModuleRefs, md.Constants} {
			if len(n) > maxRows {
				t.Fatalf("%d rows, over the cap of %d", len(n), maxRows)
			}
		}
		if len(md.Resources) > maxRows || len(md.AssemblyRefs) > maxRows {
			t.Fatalf("%d resources, %d assembly refs: over the cap", len(md.Resources), len(md.AssemblyRefs))
		}
		for _, s := range []*string{md.ModuleName, md.Typelib} {
			if s != nil && len(*s) > maxString {
				t.Fatalf("a %d-byte heap string, over the cap", len(*s))
			}
		}
	})
}
