package macos

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"howett.net/plist"
)

// receiptFile makes a receipt plist in the given format, as the installer
// writes one (keys left out when empty).
func receiptFile(t testing.TB, format int, id, version, prefix string, installed time.Time) *fstest.MapFile {
	t.Helper()
	m := map[string]any{"InstallProcessName": "installer", "PackageFileName": id + ".pkg"}
	for k, v := range map[string]string{"PackageIdentifier": id, "PackageVersion": version, "InstallPrefixPath": prefix} {
		if v != "" {
			m[k] = v
		}
	}
	if !installed.IsZero() {
		m["InstallDate"] = installed
	}
	data, err := plist.Marshal(m, format)
	if err != nil {
		t.Fatal(err)
	}
	return &fstest.MapFile{Data: data}
}

func appPlist(id, version string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(xmlPlist(`<key>CFBundleIdentifier</key><string>` + id +
		`</string><key>CFBundleShortVersionString</key><string>` + version + `</string>`))}
}

var (
	firefoxDay = time.Date(2024, 1, 23, 10, 11, 12, 0, time.UTC)
	reinstall  = firefoxDay.Add(30 * 24 * time.Hour)
	helperDay  = time.Date(2022, 5, 6, 7, 8, 9, 0, time.UTC)
)

func receiptTree(t testing.TB) fstest.MapFS {
	return fstest.MapFS{
		"private/var/db/receipts/org.mozilla.firefox.plist":        receiptFile(t, plist.BinaryFormat, "org.mozilla.firefox", "122.0", "/", firefoxDay),
		"var/db/receipts/org.mozilla.firefox.plist":                receiptFile(t, plist.XMLFormat, "org.mozilla.firefox", "123.0", "Applications", reinstall),
		"private/var/db/receipts/org.mozilla.firefox.helper.plist": receiptFile(t, plist.XMLFormat, "org.mozilla.firefox.helper", "1", "/", helperDay),
		"private/var/db/receipts/com.example.cli.plist":            receiptFile(t, plist.XMLFormat, "com.example.cli", "2.0", "usr/local", helperDay),
		"private/var/db/receipts/com.example.nodate.plist":         receiptFile(t, plist.XMLFormat, "com.example.nodate", "1", "", time.Time{}),
		"private/var/db/receipts/broken.plist":                     receiptFile(t, plist.XMLFormat, "", "1", "/", helperDay),
		"private/var/db/receipts/org.mozilla.firefox.bom":          {Data: []byte("BOMStore")},
		"Applications/Firefox.app/Contents/Info.plist":             appPlist("org.mozilla.firefox", "123.0"),
		"Applications/Helperless.app/Contents/Info.plist":          appPlist("org.mozilla", "1"),
		// A bundle of the CLI package's identifier outside its prefix.
		"Applications/Cli.app/Contents/Info.plist": appPlist("com.example.cli", "2.0"),
	}
}

func TestReceiptsAreSoftware(t *testing.T) {
	sink := runWalk(t, imageEnv(receiptTree(t)), ReceiptCollector{})
	rec := func(id, version, prefix, file string, at time.Time) snapshot.Software {
		sw := snapshot.Software{Name: id, Identifier: id, Version: version, Platform: "macos", Ecosystem: "macos-pkg",
			Scope: "machine", Source: "receipt:/" + file, InstallPath: prefix}
		if !at.IsZero() {
			sw.InstallDate, sw.InstallDateFrom = &at, "receipt InstallDate"
		}
		return sw
	}
	want := []snapshot.Software{
		rec("com.example.nodate", "1", "", "private/var/db/receipts/com.example.nodate.plist", time.Time{}),
		rec("org.mozilla.firefox", "122.0", "/", "private/var/db/receipts/org.mozilla.firefox.plist", firefoxDay),
		rec("org.mozilla.firefox.helper", "1", "/", "private/var/db/receipts/org.mozilla.firefox.helper.plist", helperDay),
		rec("org.mozilla.firefox", "123.0", "Applications", "var/db/receipts/org.mozilla.firefox.plist", reinstall),
		rec("com.example.cli", "2.0", "usr/local", "private/var/db/receipts/com.example.cli.plist", helperDay),
	}
	byKey := func(s []snapshot.Software) map[string]snapshot.Software {
		m := map[string]snapshot.Software{}
		for _, sw := range s {
			m[sw.Source] = sw
		}
		return m
	}
	if got := byKey(sink.Software); !reflect.DeepEqual(got, byKey(want)) {
		t.Errorf("software:\n got %+v\nwant %+v", sink.Software, want)
	}
	if len(sink.Errors) != 1 || !strings.Contains(sink.Errors[0].Err, "no PackageIdentifier") {
		t.Errorf("errors = %+v, want the receipt without an identifier", sink.Errors)
	}
}

func TestReceiptDatesBundle(t *testing.T) {
	sink := runWalk(t, imageEnv(receiptTree(t)), NewAppCollector())
	dates := map[string]string{}
	for _, sw := range sink.Software {
		d := ""
		if sw.InstallDate != nil {
			d = sw.InstallDate.Format(time.RFC3339) + " " + sw.InstallDateFrom
		}
		dates[sw.InstallPath] = d
	}
	want := map[string]string{
		// The later of the two receipts of its identifier; the helper
		// package's earlier receipt does not date it.
		"/Applications/Firefox.app":    reinstall.Format(time.RFC3339) + " receipt org.mozilla.firefox InstallDate",
		"/Applications/Helperless.app": "",
		"/Applications/Cli.app":        "", // its receipt installed under usr/local
	}
	if !reflect.DeepEqual(dates, want) {
		t.Errorf("install dates:\n got %v\nwant %v", dates, want)
	}
}

func TestUnderPrefix(t *testing.T) {
	for _, tc := range []struct {
		p, prefix string
		want      bool
	}{
		{"/Applications/A.app", "/", true},
		{"/Applications/A.app", "", true},
		{"/Applications/A.app", "Applications", true},
		{"/Applications/A.app", "/applications/", true},
		{"/Applications/A.app", "Applications/A.app", true},
		{"/ApplicationsX/A.app", "Applications", false},
		{"/Applications/A.app", "usr/local", false},
		{"/Apps", "Applications", false},
	} {
		if got := underPrefix(tc.p, tc.prefix); got != tc.want {
			t.Errorf("underPrefix(%q, %q) = %v", tc.p, tc.prefix, got)
		}
	}
}

func FuzzReceipt(f *testing.F) {
	for _, format := range []int{plist.XMLFormat, plist.BinaryFormat, plist.OpenStepFormat} {
		f.Add(receiptFile(f, format, "org.mozilla.firefox", "122.0", "/", firefoxDay).Data)
	}
	f.Add([]byte(`{ PackageIdentifier = x; InstallDate = (1, 2); PackageVersion = {a = b;}; }`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseReceipt(data)
		if err != nil {
			return
		}
		if r.id == "" {
			t.Fatal("receipt accepted without an identifier")
		}
		for _, s := range []string{r.id, r.version, r.prefix} {
			if len(s) > maxText {
				t.Fatalf("value of %d bytes passed the clip", len(s))
			}
		}
	})
}
