package persist

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestBookmarkPlasoSample checks the bookmark reader against the values
// plaso's tests publish for its public backgrounditems.btm sample.
func TestBookmarkPlasoSample(t *testing.T) {
	items, err := btmLoginItems(readFixture(t, "backgrounditems.btm"))
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	it := items[0]
	if it.name != "iTunesHelper" || it.path != "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app" || it.hidden {
		t.Errorf("item %+v", it)
	}
	// The bookmark's own fields, as plaso reports them.
	var a archive
	raw := readFixture(t, "backgrounditems.btm")
	if err := decodeArchive(raw, &a); err != nil {
		t.Fatal(err)
	}
	var bm bookmark
	for _, o := range a.Objects {
		if len(o.data) > 4 && string(o.data[:4]) == "book" {
			if bm, err = parseBookmark(o.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := bookmark{Path: "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app",
		Created: time.Date(2017, 7, 12, 18, 29, 32, 0, time.UTC), VolumePath: "/", VolumeName: "Macintosh HD", DisplayName: "iTunesHelper"}
	if bm != want {
		t.Errorf("bookmark\n got %+v\nwant %+v", bm, want)
	}
}

// TestAliasPlasoSample: the legacy login items plist, with plaso's values.
func TestAliasPlasoSample(t *testing.T) {
	items, err := legacyLoginItems(readFixture(t, "com.apple.loginitems.plist"))
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	if it := items[0]; it.name != "iTunesHelper" || it.path != "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app" || !it.hidden {
		t.Errorf("item %+v", it)
	}
}

// TestLoginItemsImage runs the collector over a macOS tree holding the
// three stores: each login item is a persistence entry, a bundle names its
// executable, and that program is wanted as a file record.
func TestLoginItemsImage(t *testing.T) {
	dir := t.TempDir()
	put := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("Users/alice/"+btmAgentFile, readFixture(t, "backgrounditems.btm"))
	put("Users/bob/"+loginItemsFile, readFixture(t, "com.apple.loginitems.plist"))
	put(btmStoreDir+"/BackgroundItems-v9.btm", readFixture(t, "BackgroundItems-v9.btm"))
	put(btmStoreDir+"/BackgroundItems-v8.btm", []byte("bplist00 truncated"))
	put("Applications/3CX Desktop App.app/Contents/Info.plist", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>CFBundleExecutable</key><string>3CX Desktop App</string></dict></plist>`))
	put("Applications/3CX Desktop App.app/Contents/MacOS/3CX Desktop App", []byte("stand-in executable"))
	put("Users/alice/Library/Application Support/updater/agent", []byte("stand-in agent"))

	sink := &collecttest.Sink{}
	collecttest.Walk(t, imageEnv(dir, "macos"), NewLoginItems(), sink)
	type got struct{ name, command, program, user, trigger string }
	wants := []got{
		{"iTunesHelper", "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app", "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app", "alice", "login"},
		{"iTunesHelper", "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app", "/Applications/iTunes.app/Contents/MacOS/iTunesHelper.app", "bob", "login (hidden)"},
		{"3CX Desktop App", "/Applications/3CX Desktop App.app/Contents/MacOS/3CX Desktop App",
			"/Applications/3CX Desktop App.app/Contents/MacOS/3CX Desktop App", "", "login"},
		{"updater", "/Users/alice/Library/Application Support/updater/agent",
			"/Users/alice/Library/Application Support/updater/agent", "", "login"},
	}
	var have []got
	for _, a := range sink.Artifacts {
		if a.Kind != snapshot.ArtifactPersistence || a.Mechanism != snapshot.MechLoginItem || a.Source == "" || a.LastSeen == nil {
			t.Errorf("artifact %+v", a)
		}
		have = append(have, got{a.Name, a.Command, a.ProgramPath, a.User, a.Trigger})
	}
	if len(have) != len(wants) {
		t.Fatalf("%d entries, want %d:\n%+v", len(have), len(wants), have)
	}
	for _, w := range wants {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			t.Errorf("missing %+v in\n%+v", w, have)
		}
	}
	if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Path, "BackgroundItems-v8.btm") {
		t.Errorf("errors %+v, want one for the truncated store", sink.Errors)
	}
}

func TestParseBookmarkBad(t *testing.T) {
	good := bookmarkBytes(t)
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "signature"},
		{"header only", good[:16], "data area"},
		{"truncated", good[:200], "table of contents"},
		{"toc loops", tocLoop(good), ""},
	} {
		_, err := parseBookmark(tt.b)
		if err == nil && tt.want != "" || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// bookmarkBytes is the bookmark data inside plaso's sample.
func bookmarkBytes(t *testing.T) []byte {
	var a archive
	if err := decodeArchive(readFixture(t, "backgrounditems.btm"), &a); err != nil {
		t.Fatal(err)
	}
	for _, o := range a.Objects {
		if len(o.data) > 4 && string(o.data[:4]) == "book" {
			return o.data
		}
	}
	t.Fatal("no bookmark in the sample")
	return nil
}

// tocLoop points the table of contents' next field at itself.
func tocLoop(b []byte) []byte {
	c := append([]byte(nil), b...)
	h := binary.LittleEndian.Uint32(c[12:])
	first := binary.LittleEndian.Uint32(c[h:])
	binary.LittleEndian.PutUint32(c[h+first+12:], first)
	return c
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "loginitems", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
