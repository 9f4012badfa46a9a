package windows

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// fixtureImage builds the Windows image tree and opens it as a source.
func fixtureImage(t *testing.T) (string, *collect.Env) {
	t.Helper()
	testutil.NeedTools(t, "hivexregedit", "iconv")
	dir := testutil.Fixture(t, "windows.sh")
	src, err := source.Open(dir, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if src.OS != source.Windows || src.Kind != source.Image {
		t.Fatalf("fixture opened as %s %s, want a windows image", src.OS, src.Kind)
	}
	return dir, &collect.Env{FS: src.FS(), OS: src.OS, Display: src.Display, Now: time.Now()}
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

const (
	hklm      = `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\`
	hklmWOW   = `registry:HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\`
	threeCXID = "{9E1F4C7A-3C2B-4D5E-8F60-181200000001}"
)

func hku(user string, wow bool) string {
	if wow {
		return `registry:HKU\` + user + `\Software\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\`
	}
	return `registry:HKU\` + user + `\Software\Microsoft\Windows\CurrentVersion\Uninstall\`
}

func machine(name, id, vendor, version, arch, src, path string, date *time.Time) snapshot.Software {
	return snapshot.Software{Name: name, Identifier: id, Vendor: vendor, Version: version, Arch: arch,
		Platform: "windows", Ecosystem: "windows", Scope: snapshot.ScopeMachine, Source: src + id,
		InstallPath: path, InstallDate: date, InstallDateFrom: dateFrom(date)}
}

func dateFrom(date *time.Time) string {
	if date == nil {
		return ""
	}
	return "registry InstallDate"
}

func user(u, name, id, vendor, version, arch, src, path string, date *time.Time) snapshot.Software {
	s := machine(name, id, vendor, version, arch, src, path, date)
	s.Scope, s.User = snapshot.ScopeUser, u
	return s
}

// fixtureSoftware is every record the fixture image must yield, sorted by
// Source. The entry without DisplayName is absent; the SystemComponent=1
// entry is kept; the impossible InstallDate 2024-02-30 gives no date.
var fixtureSoftware = []snapshot.Software{
	machine("7-Zip 23.01 (x64)", "7-Zip", "Igor Pavlov", "23.01", "x64", hklm, `C:\Program Files\7-Zip\`, nil),
	machine("Beispiel Buchhaltung 2024", "Buchhaltung", "Müller & Söhne GmbH", "24.1.0", "x64", hklm, "", nil),
	machine("Notepad++ (64-bit x64)", "Notepad++", "Notepad++ Team", "8.6", "x64", hklm, `C:\Program Files\Notepad++`, day(2023, 12, 5)),
	machine("Example C++ Runtime Minimum (x64)", "{6F3B1A2C-4D5E-4F60-8A71-B2C3D4E5F607}", "Example Runtime Corp", "14.38.33130", "x64", hklm, "", day(2024, 1, 15)),
	machine("VLC media player", "VLC media player", "VideoLAN", "3.0.20", "x86", hklmWOW, `C:\Program Files (x86)\VideoLAN\VLC`, day(2023, 11, 2)),
	user("alice", "3CX Desktop App", threeCXID, "3CX Ltd", "18.12.416", "", hku("alice", false), `C:\Users\alice\AppData\Local\Programs\3CXDesktopApp`, day(2023, 3, 10)),
	user("bob", "Zoom", "ZoomUMX", "Zoom Video Communications, Inc.", "5.16.10 (26186)", "", hku("bob", false), `C:\Users\bob\AppData\Roaming\Zoom\bin`, day(2023, 11, 20)),
	user("bob", "3CX Desktop App", threeCXID, "3CX Ltd", "18.12.422", "", hku("bob", false), `C:\Users\bob\AppData\Local\Programs\3CXDesktopApp`, day(2023, 4, 5)),
	user("bob", "Legacy Tool", "LegacyTool", "Example Legacy Ltd", "1.2.3", "x86", hku("bob", true), "", nil),
	user("carol", "Example Notes", "ExampleNotes", "Example Software Ltd", "2.1.0", "", hku("carol", false), "", day(2023, 1, 12)),
	// Only in carol's transaction logs: her hive is dirty.
	user("carol", "3CX Desktop App", threeCXID, "3CX Ltd", "18.12.407", "", hku("carol", false), `C:\Users\carol\AppData\Local\Programs\3CXDesktopApp`, day(2023, 3, 28)),
}

// carolNote is the start of the one message the fixture image gives: how
// carol's dirty hive was recovered.
const carolNote = "hive Users/carol/NTUSER.DAT: dirty hive (sequence numbers 4103 and 4101 differ) recovered in memory: " +
	"2 log entries applied (sequence numbers 4101 to 4102) from ntuser.dat.LOG1, ntuser.dat.LOG2; " +
	"the logs add 3CX Desktop App 18.12.407"

func checkCarolNote(t *testing.T, errs []snapshot.PathError) {
	t.Helper()
	if len(errs) != 1 || errs[0].Path != "Users/carol/NTUSER.DAT" || errs[0].Stage != recoverStage || !errs[0].IsNote() || errs[0].Err != carolNote {
		t.Errorf("errors %+v, want only carol's recovery note %q", errs, carolNote)
	}
}

func TestCollectFixtureImage(t *testing.T) {
	_, env := fixtureImage(t)
	sink := &memSink{}
	wanted := walk(t, New(), env, sink)
	wantPaths := []string{"Users/alice/NTUSER.DAT", "Users/bob/NTUSER.DAT", "Users/carol/NTUSER.DAT", "Windows/System32/config/SOFTWARE"}
	if !reflect.DeepEqual(wanted, wantPaths) {
		t.Errorf("wanted paths %q, want %q", wanted, wantPaths)
	}
	checkCarolNote(t, sink.Errors)
	got := sink.sorted()
	if !reflect.DeepEqual(got, fixtureSoftware) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(fixtureSoftware, "", "  ")
		t.Errorf("software differs\ngot:  %s\nwant: %s", g, w)
	}
}

// TestCollectLiveWindows checks the live-host rules: the locked SOFTWARE
// hive is left to LiveCollector, and so are users whose hive is loaded.
func TestCollectLiveWindows(t *testing.T) {
	_, env := fixtureImage(t)
	env.Live = true
	c := New()
	var asked []string
	c.loaded = func(dir string) (bool, error) {
		asked = append(asked, dir)
		return strings.EqualFold(dir, `C:\Users\alice`), nil
	}
	sink := &memSink{}
	wanted := walk(t, c, env, sink)
	if want := []string{"Users/alice/NTUSER.DAT", "Users/bob/NTUSER.DAT", "Users/carol/NTUSER.DAT"}; !reflect.DeepEqual(wanted, want) {
		t.Errorf("wanted %q, want %q", wanted, want)
	}
	if want := []string{`C:\Users\alice`, `C:\Users\bob`, `C:\Users\carol`}; !reflect.DeepEqual(asked, want) {
		t.Errorf("asked about profiles %q, want %q", asked, want)
	}
	for _, s := range sink.Software {
		if s.User == "alice" {
			t.Errorf("reported %s of %q: alice's hive is loaded and read live", s.Name, s.User)
		}
	}
	if len(sink.Software) != 5 {
		t.Errorf("got %d records, want bob's 3 and carol's 2", len(sink.Software))
	}
	checkCarolNote(t, sink.Errors)
}

func TestWantsPath(t *testing.T) {
	image := &collect.Env{OS: "windows"}
	live := &collect.Env{OS: "windows", Live: true}
	tests := []struct {
		rel        string
		image, liv bool
	}{
		{"Windows/System32/config/SOFTWARE", true, false},
		{"WINDOWS/system32/Config/software", true, false},
		{"Windows/System32/config/SYSTEM", false, false},
		{"Windows/System32/config/SOFTWARE.LOG1", false, false},
		{"x/Windows/System32/config/SOFTWARE", false, false},
		{"Users/alice/NTUSER.DAT", true, true},
		{"users/Alice/ntuser.dat", true, true},
		{"Users/Public/NTUSER.DAT", false, false},
		{"Users/Default/NTUSER.DAT", false, false},
		{"Users/alice/NTUSER.DAT.LOG1", false, false},
		{"Users/alice/AppData/NTUSER.DAT", false, false},
		{"home/alice/NTUSER.DAT", false, false},
		{"NTUSER.DAT", false, false},
	}
	c := New()
	for _, tt := range tests {
		if got := c.WantsPath(image, tt.rel); got != tt.image {
			t.Errorf("image WantsPath(%q) = %v, want %v", tt.rel, got, tt.image)
		}
		if got := c.WantsPath(live, tt.rel); got != tt.liv {
			t.Errorf("live WantsPath(%q) = %v, want %v", tt.rel, got, tt.liv)
		}
	}
}

func TestFixtureIsDeterministic(t *testing.T) {
	a, _ := fixtureImage(t)
	b, _ := fixtureImage(t)
	for _, rel := range []string{"Windows/System32/config/SOFTWARE", "Users/alice/NTUSER.DAT",
		"Users/alice/AppData/Local/Programs/3CXDesktopApp/app/ffmpeg.dll",
		"Users/carol/NTUSER.DAT", "Users/carol/ntuser.dat.LOG1", "Users/carol/ntuser.dat.LOG2"} {
		if readFile(t, filepath.Join(a, rel)) != readFile(t, filepath.Join(b, rel)) {
			t.Errorf("%s differs between two runs of windows.sh", rel)
		}
	}
}
