package macos

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestHostInfoFixture(t *testing.T) {
	testutil.NeedTools(t, "python3")
	src, err := source.Open(testutil.Fixture(t, "macos.sh"), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	h, err := HostInfo(src.FS())
	if err != nil {
		t.Fatal(err)
	}
	want := snapshot.Host{OS: "macos", OSVersion: "macOS 13.2.1 (22D68)", Name: "carols-mbp"}
	if h != want {
		t.Errorf("HostInfo = %+v, want %+v", h, want)
	}
}

func TestHostInfo(t *testing.T) {
	sysVer := xmlPlist(`<key>ProductName</key><string>Mac OS X</string>
		<key>ProductVersion</key><string>10.15.7</string>`)
	prefs := func(system string) string {
		return xmlPlist(`<key>System</key><dict>` + system + `</dict>`)
	}
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    snapshot.Host
		errPart string
	}{
		{"nothing recorded", fstest.MapFS{}, snapshot.Host{OS: "macos"}, ""},
		{"version without build", fstest.MapFS{SystemVersionPath: {Data: []byte(sysVer)}},
			snapshot.Host{OS: "macos", OSVersion: "Mac OS X 10.15.7"}, ""},
		{"host name wins", fstest.MapFS{PreferencesPath: {Data: []byte(prefs(
			`<key>System</key><dict><key>HostName</key><string>build-mac</string>
			<key>ComputerName</key><string>Build Mac</string></dict>`))}},
			snapshot.Host{OS: "macos", Name: "build-mac"}, ""},
		{"computer name last", fstest.MapFS{PreferencesPath: {Data: []byte(prefs(
			`<key>System</key><dict><key>ComputerName</key><string>Build Mac</string></dict>`))}},
			snapshot.Host{OS: "macos", Name: "Build Mac"}, ""},
		{"corrupt version, good prefs", fstest.MapFS{
			SystemVersionPath: {Data: []byte("bplist00garbage")},
			PreferencesPath: {Data: []byte(prefs(`<key>Network</key><dict><key>HostNames</key><dict>
				<key>LocalHostName</key><string>lab-7</string></dict></dict>`))}},
			snapshot.Host{OS: "macos", Name: "lab-7"}, SystemVersionPath},
		{"System is not a dict", fstest.MapFS{PreferencesPath: {Data: []byte(xmlPlist(`<key>System</key><string>x</string>`))}},
			snapshot.Host{OS: "macos"}, PreferencesPath},
		{"a FIFO is not opened", fstest.MapFS{SystemVersionPath: {Mode: fs.ModeNamedPipe}},
			snapshot.Host{OS: "macos"}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HostInfo(tt.files)
			if h != tt.want {
				t.Errorf("HostInfo = %+v, want %+v", h, tt.want)
			}
			if (err != nil) != (tt.errPart != "") || err != nil && !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("err = %v, want one naming %q", err, tt.errPart)
			}
		})
	}
}
