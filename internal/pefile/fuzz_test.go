package pefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// leaves flattens errors.Join trees.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// FuzzFile opens any bytes and reads every structure: never a panic, and
// every error an *Error (naming the structure and the reason).
func FuzzFile(f *testing.F) {
	const sub = 0x80000000
	var loop blob
	loop.resDir(0, [2]uint32{16, sub}) // a subdirectory at offset 0: the root itself
	var tree blob
	tree.resDir(0, [2]uint32{16, sub | 0x18}).resDir(0x18, [2]uint32{1, sub | 0x30}).resDir(0x30, [2]uint32{0x409, 0x48})
	tree.u32(0x48, 0x1060).u32(0x4c, 0x40).put(0x60, ver("VS_VERSION_INFO", nil, 0, 0, ver("StringFileInfo", nil, 0, 1, ver("040904b0", nil, 0, 1, str("CompanyName", "Seed")))))
	f.Add(synth(loop, map[int][2]uint32{DirResource: {0x1000, 0x20}}))
	f.Add(synth(tree, map[int][2]uint32{DirResource: {0x1000, 0x100}, DirDebug: {0x1000, 28}, DirImport: {0x1010, 40}, DirExport: {0x1000, 40}}))
	for _, glob := range []string{"../collect/codesign/testdata/realworld/*.dll", "../collect/codesign/peinfo/testdata/*.exe"} {
		m, _ := filepath.Glob(glob)
		for _, name := range m {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxRead: 1 << 20, MaxResources: 512, MaxImportFunctions: 4096, MaxExports: 4096})
		check := func(err error) {
			for _, e := range leaves(err) {
				var pe *Error
				if !errors.As(e, &pe) {
					t.Fatalf("error %q (%T) is not an *Error", e, e)
				}
			}
		}
		check(err)
		if pf == nil {
			return
		}
		_, err = pf.VersionInfo()
		check(err)
		_, err = pf.Debug()
		check(err)
		_, err = pf.Imports()
		check(err)
		_, err = pf.DelayImports()
		check(err)
		_, err = pf.Exports()
		check(err)
	})
}
