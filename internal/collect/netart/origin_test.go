package netart

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// TestQuarantineEvents reads the fixture's QuarantineEventsV2 and checks
// each event's time against sqlite3's own conversion of Mac absolute time
// (978307200 seconds after the Unix epoch).
func TestQuarantineEvents(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	root := filepath.Join(testutil.Fixture(t, "persist.sh"), "macos")
	env := collecttest.ImageEnv(os.DirFS(root), "macos")
	env.TempDir = t.TempDir()
	sink := &collecttest.Sink{}
	wanted := collecttest.Walk(t, env, NewQuarantine(BrowserOptions{}), sink)
	rel := "Users/alice/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2"
	if len(wanted) != 1 || wanted[0] != rel || len(sink.Errors) != 0 {
		t.Fatalf("wanted %v, errors %v", wanted, sink.Errors)
	}
	out, err := exec.Command("sqlite3", "-separator", "|", filepath.Join(root, rel),
		`SELECT LSQuarantineEventIdentifier, strftime('%Y-%m-%dT%H:%M:%f', LSQuarantineTimeStamp + 978307200, 'unixepoch'),
		 LSQuarantineAgentName, LSQuarantineDataURLString, COALESCE(LSQuarantineOriginURLString, '')
		 FROM LSQuarantineEvent ORDER BY 1`).Output()
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(rows) != 2 || len(sink.Artifacts) != 2 {
		t.Fatalf("sqlite3 rows %q, artifacts %+v", rows, sink.Artifacts)
	}
	for i, row := range rows {
		f := strings.Split(row, "|")
		a := sink.Artifacts[i]
		ref, err := time.Parse("2006-01-02T15:04:05.000", f[1])
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != snapshot.ArtifactQuarantineEvent || a.Name != f[0] || a.Agent != f[2] || a.URL != f[3] || a.OriginURL != f[4] ||
			a.LastSeen == nil || !a.LastSeen.Equal(ref) || a.User != "alice" || a.Source != "/"+rel {
			t.Errorf("event %d: %+v, sqlite3 says %q", i, a, row)
		}
	}
	if d := sink.Artifacts[0].Domain; d != "dl.persist.example" {
		t.Errorf("domain %q", d)
	}
}

func TestQuarantineNotSQLite(t *testing.T) {
	dir := t.TempDir()
	rel := "Users/bob/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2"
	os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
	os.WriteFile(filepath.Join(dir, rel), []byte("not a database"), 0o644)
	env := collecttest.ImageEnv(os.DirFS(dir), "macos")
	env.TempDir = t.TempDir()
	err := NewQuarantine(BrowserOptions{}).CollectPath(context.Background(), env, rel, &collecttest.Sink{})
	if err == nil || !strings.Contains(err.Error(), rel) {
		t.Errorf("a corrupt database: %v, want an error naming it", err)
	}
}

// TestZoneIdentifier reads the stream the way an ntfs-3g mount with
// streams_interface=windows shows it: a name with ":Zone.Identifier".
func TestZoneIdentifier(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	root := filepath.Join(testutil.Fixture(t, "persist.sh"), "windows")
	env := collecttest.ImageEnv(os.DirFS(root), "windows")
	sink := &collecttest.Sink{}
	collecttest.Walk(t, env, NewZone(), sink)
	if len(sink.Artifacts) != 1 || len(sink.Errors) != 0 {
		t.Fatalf("artifacts %+v errors %v", sink.Artifacts, sink.Errors)
	}
	a := sink.Artifacts[0]
	if a.Kind != snapshot.ArtifactZoneIdentifier || a.ZoneID != 3 || a.URL != "https://dl.persist.example/setup.exe" ||
		a.OriginURL != "https://portal.persist.example/get" || a.Domain != "dl.persist.example" ||
		a.TargetPath != "/Users/alice/Downloads/setup.exe" || a.User != "alice" {
		t.Errorf("zone identifier: %+v", a)
	}
}

func TestParseZone(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE}
	for _, c := range "[ZoneTransfer]\r\nZoneId=4\r\n" {
		utf16 = append(utf16, byte(c), 0)
	}
	for _, c := range []struct {
		in   string
		zone int
		url  string
		ok   bool
	}{
		{"[ZoneTransfer]\nZoneId=3\nHostUrl=about:internet\n", 3, "about:internet", true},
		{string(utf16), 4, "", true},
		{"[Other]\nZoneId=3\n", 0, "", false},
		{"[ZoneTransfer]\nZoneId=-7\n", 0, "", false},
		{"", 0, "", false},
	} {
		a, ok := parseZone([]byte(c.in))
		if ok != c.ok || a.ZoneID != c.zone || a.URL != c.url {
			t.Errorf("%q: %+v %v", c.in, a, ok)
		}
	}
}

func TestZoneWants(t *testing.T) {
	z := NewZone()
	win := &collect.Env{OS: "windows"}
	for rel, want := range map[string]bool{
		"Users/a/Downloads/x.exe": true, "Users/a/Desktop/y.ZIP": true, "Users/a/notes.txt": false,
		"Users/a/Documents/sub/z.docm": true, "Users/a/AppData/Local/x.js": false, "Users/a/x.exe": false,
		"Windows/System32/x.exe": false, "Users": false,
	} {
		if got := z.WantsPath(win, rel); got != want {
			t.Errorf("%s: %v", rel, got)
		}
	}
	if z.WantsPath(&collect.Env{OS: "linux"}, "Users/a/x.exe") {
		t.Error("wanted on linux")
	}
}

func FuzzZone(f *testing.F) {
	f.Add([]byte("[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://a/b\r\nHostUrl=https://c/d\r\n"))
	f.Add([]byte{0xFF, 0xFE, '[', 0, 'Z', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, ok := parseZone(data)
		if ok && a.ZoneID == 0 && a.URL == "" && a.OriginURL == "" {
			t.Fatal("ok without content")
		}
		if len(a.URL) > 8192 || len(a.OriginURL) > 8192 || a.ZoneID < 0 {
			t.Fatalf("unbounded %+v", a)
		}
	})
}

func FuzzMacTime(f *testing.F) {
	f.Add(671451300.25)
	f.Add(-1e300)
	f.Fuzz(func(t *testing.T, sec float64) {
		if tm := macTime(sec); tm != nil && (tm.Before(minTime) || tm.After(maxTime)) {
			t.Fatalf("implausible %v from %v", tm, sec)
		}
	})
}
