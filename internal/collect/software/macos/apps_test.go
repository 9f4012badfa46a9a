package macos

import (
	"context"
	"encoding/hex"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestAppsFixture(t *testing.T) {
	testutil.NeedTools(t, "python3")
	root := testutil.Fixture(t, "macos.sh")
	src, err := source.Open(root, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.OS != source.MacOS || src.Kind != source.Image {
		t.Fatalf("fixture opened as %s %s, want a macOS image", src.OS, src.Kind)
	}
	env := &collect.Env{FS: src.FS(), OS: src.OS, Display: src.Display}
	sink := runWalk(t, env, NewAppCollector())
	if len(sink.Errors) != 0 {
		t.Errorf("errors: %v", sink.Errors)
	}
	machine := func(name, id, version, build, bundle string) snapshot.Software {
		return snapshot.Software{Name: name, Identifier: id, Version: version, BuildVersion: build,
			Platform: "macos", Ecosystem: "macos-app", Scope: "machine",
			Source: "plist:/" + bundle + "/Contents/Info.plist", InstallPath: "/" + bundle}
	}
	slack := machine("Slack", "com.tinyspeck.slackmacgap", "4.36.140", "436140",
		"Users/carol/Applications/Slack.app")
	slack.Scope, slack.User = "user", "carol"
	want := []snapshot.Software{
		machine("3CX Desktop App", "com.electron.3cx-desktop-app", "18.11.1213", "18.11.1213",
			"Applications/3CX Desktop App.app"),
		machine("Firefox", "org.mozilla.firefox", "122.0", "12224.1.22", "Applications/Firefox.app"),
		machine("XQuartz", "org.xquartz.X11", "2.8.5", "2.8.5", "Applications/Utilities/XQuartz.app"),
		slack,
	}
	if !reflect.DeepEqual(sink.Software, want) {
		t.Errorf("software:\n got %+v\nwant %+v", sink.Software, want)
	}
}

// tinyBinary is a binary plist made by Python's plistlib:
// {CFBundleIdentifier: org.example.tiny, CFBundleName: Tiny,
// CFBundleShortVersionString: 1.2.3, CFBundleVersion: 42 (an integer)}.
const tinyBinary = "62706c6973743030d401020304050607085f1012434642756e646c654964656e7469666965725c434642756e646c654e616d655f101a434642756e646c6553686f727456657273696f6e537472696e675f100f434642756e646c6556657273696f6e5f10106f72672e6578616d706c652e74696e795454696e7955312e322e33102a081126335062757a800000000000000101000000000000000900000000000000000000000000000082"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xmlPlist(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>` + body + `</dict></plist>`
}

func TestAppsCorrupt(t *testing.T) {
	const rel = "Applications/X.app/Contents/Info.plist"
	tiny := mustHex(t, tinyBinary)
	tests := []struct {
		name    string
		data    []byte
		want    string // software name, "" when an error is expected
		version string
		errPart string
	}{
		{"binary with integer build", tiny, "Tiny", "1.2.3", ""},
		{"truncated binary", tiny[:len(tiny)-9], "", "", "plist"},
		{"binary trailer only", tiny[len(tiny)-40:], "", "", "plist"},
		{"truncated xml", []byte(xmlPlist("<key>CFBundleName</key><string>X")[:60]), "", "", "plist"},
		{"garbage", []byte("\x00\x01\x02 not a plist {(\"\x00"), "", "", "plist"},
		{"empty", nil, "", "", "plist"},
		{"name is an array", []byte(xmlPlist(`<key>CFBundleName</key><array><string>a</string></array>
			<key>CFBundleShortVersionString</key><string>2.0</string>`)), "X", "2.0", ""},
		{"version is a date", []byte(xmlPlist(`<key>CFBundleShortVersionString</key><date>2020-01-01T00:00:00Z</date>`)), "", "", "plist"},
		{"root is an array", []byte(`<plist version="1.0"><array/></plist>`), "", "", "plist"},
		{"deep xml", []byte(`<plist>` + strings.Repeat("<array>", 100000)), "", "", "too deeply"},
		{"deep text", []byte(strings.Repeat("(", 100000)), "", "", "too deeply"},
		{"huge name clipped", []byte(xmlPlist(`<key>CFBundleName</key><string>` + strings.Repeat("é", 4000) + `</string>`)),
			strings.Repeat("é", maxText/2), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := imageEnv(fstest.MapFS{rel: {Data: tt.data}})
			sink := &collecttest.Sink{}
			if err := NewAppCollector().CollectPath(context.Background(), env, rel, sink); err != nil {
				t.Fatalf("CollectPath returned %v; corrupt files are sink errors", err)
			}
			if tt.want == "" {
				if len(sink.Software) != 0 || len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, tt.errPart) {
					t.Fatalf("want one error mentioning %q, got software %+v errors %+v", tt.errPart, sink.Software, sink.Errors)
				}
				if !strings.Contains(sink.Errors[0].Err, rel) || sink.Errors[0].Stage != "parse:macos-apps" {
					t.Errorf("error %+v does not name the file and stage", sink.Errors[0])
				}
				return
			}
			if len(sink.Errors) != 0 || len(sink.Software) != 1 {
				t.Fatalf("want one record, got %+v errors %+v", sink.Software, sink.Errors)
			}
			if sw := sink.Software[0]; sw.Name != tt.want || sw.Version != tt.version {
				t.Errorf("got name %q version %q, want %q %q", sw.Name, sw.Version, tt.want, tt.version)
			}
		})
	}
}

func TestAppsBinaryIntegerBuild(t *testing.T) {
	var info infoPlist
	if err := decodePlist(mustHex(t, tinyBinary), &info); err != nil {
		t.Fatal(err)
	}
	if info.Version != "42" || info.Identifier != "org.example.tiny" {
		t.Errorf("got %+v", info)
	}
}

func TestAppsTooLarge(t *testing.T) {
	const rel = "Applications/Big.app/Contents/Info.plist"
	env := imageEnv(fstest.MapFS{rel: {Data: make([]byte, maxPlist+1)}})
	sink := &collecttest.Sink{}
	if err := NewAppCollector().CollectPath(context.Background(), env, rel, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, "limit") {
		t.Errorf("errors = %+v, want the size limit", sink.Errors)
	}
}

func TestAppsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	const rel = "Applications/X.app/Contents/Info.plist"
	err := NewAppCollector().CollectPath(ctx, imageEnv(fstest.MapFS{}), rel, &collecttest.Sink{})
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
