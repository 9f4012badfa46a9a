package macho

import (
	"context"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
)

const infoPlist = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CFBundleExecutable</key><string>App</string></dict></plist>`

// bundleFS builds Test.app in memory: a signed executable binding
// Info.plist and a CodeResources sealing resources.
func bundleFS(t *testing.T, resources map[string]string) fstest.MapFS {
	t.Helper()
	sealed := map[string][]byte{}
	for k, v := range resources {
		sealed[k] = []byte(v)
	}
	seal := machosign.CodeResources(sealed)
	s := newSigner(t, t2020, t2040)
	exe := s.sign(t, tinyMachO(), func(o *machosign.Options) {
		o.InfoPlist, o.Resources = []byte(infoPlist), seal
	})
	fsys := fstest.MapFS{
		"Test.app/Contents/Info.plist":                   {Data: []byte(infoPlist)},
		"Test.app/Contents/MacOS/App":                    {Data: exe},
		"Test.app/Contents/_CodeSignature/CodeResources": {Data: seal},
	}
	for k, v := range resources {
		fsys["Test.app/Contents/"+k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func TestSeal(t *testing.T) {
	res := map[string]string{"Resources/app.asar": "asar", "Resources/en.lproj/Localizable.strings": "hello", "MacOS/helper.sh": "#!/bin/sh"}
	tests := []struct {
		name   string
		edit   func(fstest.MapFS)
		detail []string
	}{
		{"clean", nil, nil},
		{"changed resource", func(f fstest.MapFS) { f["Test.app/Contents/Resources/app.asar"].Data = []byte("evil") },
			[]string{"changed since the bundle was sealed: Resources/app.asar"}},
		{"missing resource", func(f fstest.MapFS) { delete(f, "Test.app/Contents/Resources/app.asar") },
			[]string{"sealed but missing: Resources/app.asar"}},
		{"missing optional localization", func(f fstest.MapFS) { delete(f, "Test.app/Contents/Resources/en.lproj/Localizable.strings") }, nil},
		{"changed optional localization", func(f fstest.MapFS) { f["Test.app/Contents/Resources/en.lproj/Localizable.strings"].Data = []byte("x") },
			[]string{"changed since the bundle was sealed: Resources/en.lproj/Localizable.strings"}},
		{"added library", func(f fstest.MapFS) {
			f["Test.app/Contents/MacOS/libffmpeg.dylib"] = &fstest.MapFile{Data: []byte("x")}
		},
			[]string{"added to the bundle after it was sealed (not in CodeResources): MacOS/libffmpeg.dylib"}},
		{"added .DS_Store is omitted", func(f fstest.MapFS) { f["Test.app/Contents/Resources/.DS_Store"] = &fstest.MapFile{Data: []byte("x")} }, nil},
		{"Info.plist edited", func(f fstest.MapFS) {
			f["Test.app/Contents/Info.plist"].Data = []byte(strings.Replace(infoPlist, "<dict>", "<dict><key>X</key><string>y</string>", 1))
		}, []string{"Info.plist is not the one App was signed with"}},
		{"seal rewritten to match a changed file", func(f fstest.MapFS) {
			f["Test.app/Contents/Resources/app.asar"].Data = []byte("evil")
			f["Test.app/Contents/_CodeSignature/CodeResources"].Data = machosign.CodeResources(map[string][]byte{
				"Resources/app.asar": []byte("evil"), "Resources/en.lproj/Localizable.strings": []byte("hello"), "MacOS/helper.sh": []byte("#!/bin/sh")})
		}, []string{"_CodeSignature/CodeResources is not the one App was signed with"}},
		{"unsigned executable", func(f fstest.MapFS) { f["Test.app/Contents/MacOS/App"].Data = tinyMachO() },
			[]string{"has no readable code signature"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := bundleFS(t, res)
			if tt.edit != nil {
				tt.edit(fsys)
			}
			rep, err := Seal(context.Background(), fsys, "Test.app", SealLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Executable != "Test.app/Contents/MacOS/App" || rep.Sealed != 3 {
				t.Errorf("report %+v", rep)
			}
			if len(rep.Anomalies) != len(tt.detail) {
				t.Fatalf("anomalies %+v, want %q", rep.Anomalies, tt.detail)
			}
			for i, a := range rep.Anomalies {
				if a.Kind != "bundle-seal-broken" || !strings.Contains(a.Detail, tt.detail[i]) {
					t.Errorf("anomaly %+v, want %q", a, tt.detail[i])
				}
			}
		})
	}
}

func TestSealFixtures(t *testing.T) {
	for bundle, want := range map[string]string{
		"App.app": "", "Broken.app": "changed since the bundle was sealed: Resources/app.asar",
		"Added.app": "added to the bundle after it was sealed (not in CodeResources): MacOS/libffmpeg.dylib",
	} {
		t.Run(bundle, func(t *testing.T) {
			rep, err := Seal(context.Background(), fstestDir(t), bundle, SealLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if want == "" && len(rep.Anomalies) != 0 || want != "" && (len(rep.Anomalies) != 1 || !strings.Contains(rep.Anomalies[0].Detail, want)) {
				t.Fatalf("anomalies %+v, want %q", rep.Anomalies, want)
			}
		})
	}
}

func TestSealLimits(t *testing.T) {
	fsys := bundleFS(t, map[string]string{"Resources/a": "aaaa", "Resources/b": "bbbb"})
	if _, err := Seal(context.Background(), fsys, "Test.app", SealLimits{MaxBytes: 5}); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("byte limit: %v", err)
	}
	if _, err := Seal(context.Background(), fsys, "Test.app", SealLimits{MaxFiles: 2}); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("file limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Seal(ctx, fsys, "Test.app", SealLimits{}); err == nil {
		t.Error("cancelled context ignored")
	}
	broken := maps.Clone(fsys)
	broken["Test.app/Contents/_CodeSignature/CodeResources"] = &fstest.MapFile{Data: []byte("<plist><dict><key>files2</key><string>x")}
	if _, err := Seal(context.Background(), broken, "Test.app", SealLimits{}); err == nil {
		t.Error("malformed CodeResources accepted")
	}
}

func FuzzSealDoc(f *testing.F) {
	f.Add(machosign.CodeResources(map[string][]byte{"Resources/a": []byte("a")}))
	f.Add([]byte(`<plist><dict><key>files</key><dict><key>x</key><data>AAAA</data></dict><key>rules</key><dict><key>(</key><true/></dict></dict></plist>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseSeal(b)
		if err == nil {
			_ = d.rule("Resources/a")
		}
	})
}
