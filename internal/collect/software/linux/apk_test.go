package linux

import (
	"context"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
)

func TestApkFixture(t *testing.T) {
	testutil.NeedTools(t, "python3")
	const db = "apk:/lib/apk/db/installed"
	env := fixtureEnv(t, "alpine")
	sink := runWalk(t, env, NewApk())
	if len(sink.Errors) != 0 {
		t.Errorf("errors: %+v", sink.Errors)
	}
	want := map[string]brief{
		"musl":    {"musl", "1.2.4_git20230717-r4", "x86_64", "musl", db},
		"busybox": {"busybox", "1.36.1-r25", "x86_64", "busybox", db},
		"xz-libs": {"xz-libs", "5.6.1-r1", "x86_64", "xz", db},
		"xz":      {"xz", "5.6.1-r1", "x86_64", "xz", db},
	}
	if got := briefs(sink.Software); !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\n got %+v\nwant %+v", got, want)
	}
	checkCommon(t, sink.Software, "apk")
}

func TestApkCorrupt(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		names   []string
		errPart string
	}{
		{"garbage", "\x00\x01\x02\xff\n\x7fELF\n", nil, "no apk records"},
		{"empty", "", nil, ""},
		{"record without version", "P:a\nA:x86_64\n", nil, "no P: name or V: version"},
		{"good after bad", "P:a\n\nP:b\nV:1-r0\n\nnot a record line\n", []string{"b"}, "2 malformed records"},
		{"no final newline", "P:a\nV:1-r0", []string{"a"}, ""},
		{"CRLF", "P:a\r\nV:1-r0\r\n\r\nP:b\r\nV:2-r0\r\n", []string{"a", "b"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := imageEnv(fstest.MapFS{apkInstalled: {Data: []byte(tt.data)}})
			sink := &collecttest.Sink{}
			if err := NewApk().CollectPath(context.Background(), env, apkInstalled, sink); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range sink.Software {
				names = append(names, s.Name)
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("packages %v, want %v", names, tt.names)
			}
			checkOneError(t, sink, tt.errPart, "parse:apk")
		})
	}
}

func FuzzApkInstalled(f *testing.F) {
	f.Add([]byte("C:Q1=\nP:xz-libs\nV:5.6.1-r1\nA:x86_64\no:xz\nm:N <n@example.org>\nR:liblzma.so.5\n\nP:b\n"))
	f.Add([]byte("P:\nV:\n\n\n:\nPP\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := parseApkInstalled(data)
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || len(p.Name) > maxField {
				t.Fatalf("bad record %+v", p)
			}
		}
	})
}

// TestApkHasNoInstallDate pins that nothing in an apk record dates the
// install: t: is the build time, and the listed files' mtimes come from
// the package archive. A record must stay undated rather than take either.
func TestApkHasNoInstallDate(t *testing.T) {
	db := "C:Q1abc=\nP:xz-libs\nV:5.6.1-r1\nA:x86_64\nt:1711300000\no:xz\n" +
		"F:usr/lib\nR:liblzma.so.5.4.6\na:0:0:755\nZ:Q1def=\n\n"
	fsys := fstest.MapFS{
		"lib/apk/db/installed":     {Data: []byte(db), ModTime: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
		"usr/lib/liblzma.so.5.4.6": {Data: []byte("x"), ModTime: time.Date(2024, 3, 24, 0, 0, 0, 0, time.UTC)},
	}
	sink := runWalk(t, collecttest.ImageEnv(fsys, "linux"), NewApk())
	if len(sink.Software) != 1 || len(sink.Errors) != 0 {
		t.Fatalf("software %+v, errors %+v", sink.Software, sink.Errors)
	}
	if sw := sink.Software[0]; sw.InstallDate != nil || sw.InstallDateFrom != "" {
		t.Errorf("apk record dated %v from %q; apk records no install time", sw.InstallDate, sw.InstallDateFrom)
	}
}
