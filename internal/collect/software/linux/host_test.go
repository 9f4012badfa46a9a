package linux

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestHostInfoFixtures(t *testing.T) {
	testutil.NeedTools(t, "python3")
	tests := []struct {
		variant string
		want    snapshot.Host
		id, ver string
	}{
		{"debian", snapshot.Host{OS: "linux", Name: "build-01", OSVersion: "Debian GNU/Linux trixie/sid"}, "debian", ""},
		// etc/os-release is a link to ../usr/lib/os-release here.
		{"alpine", snapshot.Host{OS: "linux", Name: "alpine-ci", OSVersion: "Alpine Linux edge"}, "alpine", "3.20.0_alpha20240315"},
		{"distroless", snapshot.Host{OS: "linux", OSVersion: "Debian GNU/Linux 12 (bookworm)"}, "debian", "12"},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			src, err := source.Open(testutil.Fixture(t, "linux.sh", tt.variant), source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			h, err := HostInfo(src.FS())
			if err != nil || h != tt.want {
				t.Errorf("HostInfo = %+v, %v; want %+v", h, err, tt.want)
			}
			rel, err := ReadOSRelease(src.FS())
			if err != nil || rel.ID != tt.id || rel.VersionID != tt.ver {
				t.Errorf("ReadOSRelease = %+v, %v", rel, err)
			}
		})
	}
}

func TestHostInfo(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    snapshot.Host
		errPart string
	}{
		{"nothing recorded", fstest.MapFS{}, snapshot.Host{OS: "linux"}, ""},
		{"usr/lib fallback, no pretty name", fstest.MapFS{
			"usr/lib/os-release": {Data: []byte("NAME='Fedora Linux'\nVERSION_ID=40\n")}},
			snapshot.Host{OS: "linux", OSVersion: "Fedora Linux 40"}, ""},
		{"etc wins over usr/lib", fstest.MapFS{
			"etc/os-release":     {Data: []byte(`PRETTY_NAME="A \"quoted\" \$name"` + "\n")},
			"usr/lib/os-release": {Data: []byte("PRETTY_NAME=B\n")}},
			snapshot.Host{OS: "linux", OSVersion: `A "quoted" $name`}, ""},
		{"id only", fstest.MapFS{"etc/os-release": {Data: []byte("# c\nID=arch\nBUILD_ID=rolling\n")}},
			snapshot.Host{OS: "linux", OSVersion: "arch"}, ""},
		{"hostname comments and blanks", fstest.MapFS{"etc/hostname": {Data: []byte("# set by installer\n\n  web-3  \nignored\n")}},
			snapshot.Host{OS: "linux", Name: "web-3"}, ""},
		{"garbage", fstest.MapFS{"etc/os-release": {Data: []byte("\x00\xff=\n==\n")}, "etc/hostname": {Data: []byte("\n")}},
			snapshot.Host{OS: "linux"}, ""},
		{"too large", fstest.MapFS{"etc/hostname": {Data: make([]byte, maxSmallFile+1)}},
			snapshot.Host{OS: "linux"}, "limit"},
		{"a FIFO is not opened", fstest.MapFS{"etc/os-release": {Mode: fs.ModeNamedPipe}},
			snapshot.Host{OS: "linux"}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HostInfo(tt.files)
			if h != tt.want {
				t.Errorf("HostInfo = %+v, want %+v", h, tt.want)
			}
			if (err != nil) != (tt.errPart != "") || err != nil && !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("err = %v, want %q", err, tt.errPart)
			}
		})
	}
}

func TestReadOSReleaseMissing(t *testing.T) {
	if _, err := ReadOSRelease(os.DirFS(filepath.Join(t.TempDir()))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}
