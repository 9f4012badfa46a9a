package linux

import (
	"context"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestDpkgWantsPath(t *testing.T) {
	d := NewDpkg()
	for rel, want := range map[string]bool{
		"var/lib/dpkg/status":                   true,
		"var/lib/dpkg/status.d/libssl3":         true,
		"var/lib/dpkg/status.d/libssl3.md5sums": false,
		"var/lib/dpkg/status.d/sub/x":           false,
		"var/lib/dpkg/status-old":               false,
		"var/lib/dpkg/available":                false,
		"srv/var/lib/dpkg/status":               false,
	} {
		if got := d.WantsPath(nil, rel); got != want {
			t.Errorf("WantsPath(%q) = %v", rel, got)
		}
	}
}

func TestDpkgFixture(t *testing.T) {
	testutil.NeedTools(t, "python3")
	const status = "dpkg:/var/lib/dpkg/status"
	env := fixtureEnv(t, "debian")
	sink := runWalk(t, env, NewDpkg())
	if len(sink.Errors) != 0 {
		t.Errorf("errors: %+v", sink.Errors)
	}
	want := map[string]brief{
		"bash":           {"bash", "5.2.21-2+b1", "amd64", "bash", status},
		"libc6":          {"libc6", "2.37-15", "amd64", "glibc", status},
		"liblzma5":       {"liblzma5", "5.6.1-1", "amd64", "xz-utils", status},
		"openssh-server": {"openssh-server", "1:9.6p1-4", "amd64", "openssh", status},
		"sudo":           {"sudo", "1.9.15p5-3", "amd64", "", status}, // unpacked: files on disk
		"xz-utils":       {"xz-utils", "5.6.1-1", "amd64", "", status},
		"zlib1g":         {"zlib1g", "1:1.3.dfsg-3+b1", "amd64", "zlib", status}, // marked for removal
	}
	if got := briefs(sink.Software); !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\n got %+v\nwant %+v", got, want)
	}
	checkCommon(t, sink.Software, "dpkg")
	for _, s := range sink.Software {
		if s.Name == "liblzma5" && s.Vendor != "Sebastian Andrzej Siewior <sebastian@breakpoint.cc>" {
			t.Errorf("liblzma5 vendor = %q", s.Vendor)
		}
	}
	// Install times come from info/NAME[:ARCH].list mtimes.
	installed := map[string]struct {
		at   string
		from string
	}{
		"liblzma5": {"2024-03-28T07:41:00Z", "dpkg info/liblzma5:amd64.list mtime"},
		"xz-utils": {"2024-03-28T07:41:05Z", "dpkg info/xz-utils.list mtime"},
	}
	for _, s := range sink.Software {
		want, ok := installed[s.Name]
		got := ""
		if s.InstallDate != nil {
			got = s.InstallDate.UTC().Format(time.RFC3339)
		}
		if got != want.at || s.InstallDateFrom != want.from || ok != (s.InstallDate != nil) {
			t.Errorf("%s: installed %q from %q, want %q from %q", s.Name, got, s.InstallDateFrom, want.at, want.from)
		}
	}
}

func TestDpkgDistroless(t *testing.T) {
	testutil.NeedTools(t, "python3")
	env := fixtureEnv(t, "distroless")
	sink := runWalk(t, env, NewDpkg())
	if len(sink.Errors) != 0 {
		t.Errorf("errors: %+v", sink.Errors)
	}
	got := briefs(sink.Software)
	want := brief{"liblzma5", "5.6.1-1", "amd64", "xz-utils", "dpkg:/var/lib/dpkg/status.d/liblzma5"}
	if got["liblzma5"] != want || len(got) != 5 {
		t.Errorf("packages: %+v", got)
	}
}

func TestDpkgCorrupt(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		names   []string
		errPart string
	}{
		{"garbage", "\x00\x01\x02\xff\n\x7fELF\n", nil, "no dpkg records"},
		{"empty", "", nil, ""},
		{"binary noise with a colon", "\x89PNG\r\n\x1a\n:IHDR\n", nil, "not a field"},
		{"no Status in status", "Package: a\nVersion: 1\n", nil, "no Status"},
		{"bad Status", "Package: a\nStatus: installed\nVersion: 1\n", nil, "bad Status"},
		{"unknown state", "Package: a\nStatus: install ok exploded\n", nil, "unknown package state"},
		{"missing Package", "Status: install ok installed\nVersion: 1\n", nil, "missing Package"},
		{"one good among bad", "junk line\n\nPackage: good\nStatus: install ok installed\nVersion: 2\n\n" +
			" stray continuation\n\nPackage: bad name\nStatus: install ok installed\n", []string{"good"}, "3 malformed records"},
		{"CRLF and comments", "# comment\r\nPackage: a\r\nStatus: install ok installed\r\nVersion: 1\r\n", []string{"a"}, ""},
		{"duplicate field keeps the first", "Package: a\nPackage: b\nStatus: install ok installed\n", []string{"a"}, ""},
		{"truncated mid-record", "Package: a\nStatus: install ok installed\nVersion: 1.0\nDescr", []string{"a"}, "not a field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := imageEnv(fstest.MapFS{dpkgStatus: {Data: []byte(tt.data)}})
			sink := &collecttest.Sink{}
			if err := NewDpkg().CollectPath(context.Background(), env, dpkgStatus, sink); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range sink.Software {
				names = append(names, s.Name)
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("packages %v, want %v", names, tt.names)
			}
			checkOneError(t, sink, tt.errPart, "parse:dpkg")
		})
	}
}

// checkOneError wants exactly one error naming the file and errPart, or
// none when errPart is empty.
func checkOneError(t *testing.T, sink *collecttest.Sink, errPart, stage string) {
	t.Helper()
	if errPart == "" {
		if len(sink.Errors) != 0 {
			t.Errorf("errors %+v, want none", sink.Errors)
		}
		return
	}
	if len(sink.Errors) != 1 {
		t.Fatalf("errors %+v, want one mentioning %q", sink.Errors, errPart)
	}
	e := sink.Errors[0]
	if !strings.Contains(e.Err, errPart) || !strings.Contains(e.Err, e.Path) || e.Stage != stage {
		t.Errorf("error %+v, want stage %s and a message naming the file and %q", e, stage, errPart)
	}
}

func TestDpkgTooLarge(t *testing.T) {
	env := imageEnv(fstest.MapFS{dpkgStatus: {Data: make([]byte, maxDpkgStatus+1)}})
	sink := &collecttest.Sink{}
	if err := NewDpkg().CollectPath(context.Background(), env, dpkgStatus, sink); err != nil {
		t.Fatal(err)
	}
	checkOneError(t, sink, "limit", "parse:dpkg")
}

func FuzzDpkgStatus(f *testing.F) {
	f.Add([]byte("Package: liblzma5\nStatus: install ok installed\nSource: xz-utils\nVersion: 5.6.1-1\n\nPackage: b\n"), false)
	f.Add([]byte("Package: a\nVersion: 1\nDescription: x\n more\n .\n"), true)
	f.Add([]byte("\n\n \n#\n:\nStatus: deinstall ok config-files\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, implicit bool) {
		pkgs, _ := parseDpkgStatus(data, implicit)
		for _, p := range pkgs {
			if p.Name == "" || len(p.Version) > maxField || len(p.Vendor) > maxField {
				t.Fatalf("bad record %+v", p)
			}
		}
	})
}
