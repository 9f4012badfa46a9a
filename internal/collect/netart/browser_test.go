package netart

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

const (
	chromeRel  = "Users/dave/AppData/Local/Google/Chrome/User Data/Default/History"
	firefoxRel = "home/erin/.mozilla/firefox/x7k2m9q1.default-release/places.sqlite"
	xtrader    = "https://download.tradingtechnologies.com/trading/X_TRADER/X_TRADER_r7.17.90p608.exe"
	xtraderDst = `C:\Users\dave\Downloads\X_TRADER_r7.17.90p608.exe`
)

const (
	visit    = snapshot.ArtifactBrowserVisit
	download = snapshot.ArtifactBrowserDownload
)

func TestBrowserChromeFixture(t *testing.T) {
	root := filepath.Join(browserFixture(t), "windows")
	env := testEnv(t, root, "windows")
	db := filepath.Join(root, filepath.FromSlash(chromeRel))
	before := sha256File(t, db)

	sink, err := collectOne(t, NewBrowser(BrowserOptions{}), env, chromeRel)
	if err != nil {
		t.Fatalf("CollectPath: %v", err)
	}
	if len(sink.errs) > 0 {
		t.Errorf("errors: %v", sink.errs)
	}
	want := []row{
		{visit, "chrome://settings/", "", "", "", "", 0, 0},
		{visit, "https://download.tradingtechnologies.com/trading/X_TRADER/X_TRADER_r7.17.90p608.exe", "download.tradingtechnologies.com", "", "2022-04-12T14:03:07Z", "2022-04-12T14:03:07Z", 1, 0},
		{visit, "https://en.wikipedia.org/wiki/Trading_Technologies", "en.wikipedia.org", "", "2022-04-20T08:30:00Z", "2022-04-20T08:30:00Z", 1, 0},
		{visit, "https://www.google.com/search?q=x_trader+download", "www.google.com", "", "2022-04-11T09:12:44Z", "2022-04-11T09:12:44Z", 1, 0},
		{visit, "https://www.tradingtechnologies.com/", "www.tradingtechnologies.com", "", "2022-04-11T09:12:44Z", "2022-04-12T14:02:51Z", 2, 0},
		{download, xtrader, "download.tradingtechnologies.com", xtraderDst, "2022-04-12T14:03:07Z", "2022-04-12T14:03:58Z", 1, 52428800},
		{download, "https://www.7-zip.org/a/7z2201-x64.exe", "www.7-zip.org", `C:\Users\dave\Downloads\7z2201-x64.exe`, "2022-04-20T08:30:41Z", "2022-04-20T08:30:41Z", 1, 1575742},
		{download, "https://www.tradingtechnologies.com/x_trader/download/", "www.tradingtechnologies.com", xtraderDst, "2022-04-12T14:03:07Z", "2022-04-12T14:03:58Z", 1, 52428800},
	}
	if got := rowsOf(sink.artifacts); !reflect.DeepEqual(got, sortRows(want)) {
		t.Errorf("artifacts:\n got %+v\nwant %+v", got, sortRows(want))
	}
	for _, a := range sink.artifacts {
		if a.Browser != Chrome || a.User != "dave" || a.Source != `C:\`+strings.ReplaceAll(chromeRel, "/", `\`) {
			t.Errorf("browser/user/source = %q/%q/%q", a.Browser, a.User, a.Source)
		}
	}
	if after := sha256File(t, db); after != before {
		t.Error("the scanned database changed")
	}
	if names := listDir(t, filepath.Dir(db)); !slices.Equal(names, []string{"History"}) {
		t.Errorf("files beside the scanned database: %v (SQLite opened it in place?)", names)
	}
	if left := listDir(t, env.TempDir); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
}

func TestBrowserFirefoxFixture(t *testing.T) {
	root := filepath.Join(browserFixture(t), "linux")
	env := testEnv(t, root, "linux")
	sink, err := collectOne(t, NewBrowser(BrowserOptions{}), env, firefoxRel)
	if err != nil {
		t.Fatalf("CollectPath: %v", err)
	}
	if len(sink.errs) > 0 {
		t.Errorf("errors: %v", sink.errs)
	}
	iso := "https://cdimage.debian.org/debian-cd/current/amd64/iso-cd/debian-12.5.0-amd64-netinst.iso"
	want := []row{
		{visit, "https://www.debian.org/", "www.debian.org", "", "2023-03-20T10:00:00Z", "2023-03-23T07:15:00Z", 2, 0},
		{visit, "https://raw.githubusercontent.com/IconStorages/images/main/icon3.ico", "raw.githubusercontent.com", "", "2023-03-22T13:44:10Z", "2023-03-22T13:44:10Z", 1, 0},
		{visit, "https://raw.githubusercontent.com/someone/other/main/readme.md", "raw.githubusercontent.com", "", "2023-03-22T13:45:02Z", "2023-03-22T13:45:02Z", 1, 0},
		{visit, iso, "cdimage.debian.org", "", "2023-03-23T07:15:00Z", "2023-03-23T07:15:00Z", 1, 0},
		{download, iso, "cdimage.debian.org", "/home/erin/Downloads/debian-12.5.0-amd64-netinst.iso", "2023-03-23T07:15:00Z", "2023-03-23T07:16:30Z", 1, 659554304},
	}
	if got := rowsOf(sink.artifacts); !reflect.DeepEqual(got, sortRows(want)) {
		t.Errorf("artifacts:\n got %+v\nwant %+v", got, sortRows(want))
	}
	for _, a := range sink.artifacts {
		if a.Browser != Firefox || a.User != "erin" || a.Source != "/"+firefoxRel {
			t.Errorf("browser/user/source = %q/%q/%q", a.Browser, a.User, a.Source)
		}
	}
	dir := filepath.Join(root, filepath.Dir(filepath.FromSlash(firefoxRel)))
	if names := listDir(t, dir); !slices.Equal(names, []string{"places.sqlite"}) {
		t.Errorf("files beside the scanned database: %v (SQLite opened it in place?)", names)
	}
}

func TestBrowserRowCap(t *testing.T) {
	root := filepath.Join(browserFixture(t), "windows")
	env := testEnv(t, root, "windows")
	sink, err := collectOne(t, NewBrowser(BrowserOptions{MaxRows: 2}), env, chromeRel)
	if err != nil {
		t.Fatalf("CollectPath: %v", err)
	}
	var visits int
	for _, a := range sink.artifacts {
		if a.Kind == visit {
			visits++
		}
	}
	if visits != 2 {
		t.Errorf("visits = %d, want 2 (the cap)", visits)
	}
	if len(sink.errs) != 2 || !strings.Contains(sink.errs[0], "more than 2 rows") {
		t.Errorf("want one cap error per query, got %v", sink.errs)
	}
}

func TestBrowserSizeCap(t *testing.T) {
	root := filepath.Join(browserFixture(t), "windows")
	env := testEnv(t, root, "windows")
	sink, err := collectOne(t, NewBrowser(BrowserOptions{MaxDBBytes: 4096}), env, chromeRel)
	if err == nil || !strings.Contains(err.Error(), "cap") {
		t.Fatalf("err = %v, want a size-cap error", err)
	}
	if len(sink.artifacts) != 0 {
		t.Errorf("artifacts from an over-cap database: %d", len(sink.artifacts))
	}
}

func TestBrowserNoTempDir(t *testing.T) {
	env := testEnv(t, t.TempDir(), "windows")
	env.TempDir = ""
	if _, err := collectOne(t, NewBrowser(BrowserOptions{}), env, chromeRel); err == nil {
		t.Fatal("no error without a scratch directory")
	}
}
