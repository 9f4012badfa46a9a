package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// persistFinding is the part of a JSON Lines finding the persistence
// end-to-end tests read.
type persistFinding struct {
	Type     string `json:"type"`
	Score    int    `json:"score"`
	Evidence struct {
		Kind         string `json:"kind"`
		ArtifactKind string `json:"artifact_kind"`
		Path         string `json:"path"`
		URL          string `json:"url"`
		Source       string `json:"source"`
		Mechanism    string `json:"mechanism"`
		Command      string `json:"command"`
		Time         string `json:"time"`
	} `json:"evidence"`
	Reasons []struct {
		Kind string `json:"kind"`
	} `json:"reasons"`
	ExposedSince string `json:"exposed_since"`
}

// persistIntel writes an intel file: the SHA-256 of each fixture file
// named, and the domain c2.persist.example and dl.persist.example.
func persistIntel(t *testing.T, root string, files ...string) string {
	t.Helper()
	var inds []string
	for i, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		inds = append(inds, fmt.Sprintf(`{"id":"h%d","type":"sha256","value":"%s","score":90,"description":"fixture stand-in for a trojanized %s"}`,
			i, hex.EncodeToString(sum[:]), filepath.Base(f)))
	}
	inds = append(inds, `{"id":"c2","type":"domain","value":"c2.persist.example","score":80,"description":"fixture C2"}`,
		`{"id":"dl","type":"domain","value":"dl.persist.example","score":70,"description":"fixture download host"}`)
	p := filepath.Join(t.TempDir(), "persist-intel.json")
	doc := `{"schema":"cascade.intel/v1","source":{"id":"test-persist","name":"test"},"indicators":[` + strings.Join(inds, ",") + `]}`
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func persistScan(t *testing.T, root, intel string, flags ...string) []persistFinding {
	t.Helper()
	args := append([]string{"scan", "--no-cache", "--no-builtin", "--format", "jsonl", "--intel", intel}, flags...)
	code, out, errs := run(t, append(args, root)...)
	if code != 1 {
		t.Fatalf("scan %s: exit %d: %s", root, code, errs)
	}
	var fs []persistFinding
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f persistFinding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatal(err)
		}
		if f.Type != "summary" {
			fs = append(fs, f)
		}
	}
	return fs
}

func findPersist(fs []persistFinding, pred func(persistFinding) bool) *persistFinding {
	for i := range fs {
		if pred(fs[i]) {
			return &fs[i]
		}
	}
	return nil
}

// TestEndToEndPersistWindows: a Run key and a scheduled task start a
// program whose digest is an indicator; each is a finding naming its
// mechanism, the program file's own finding says how it persists, and a
// Run value calling the C2 domain is a finding through its command line.
func TestEndToEndPersistWindows(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	root := filepath.Join(testutil.Fixture(t, "persist.sh"), "windows")
	intel := persistIntel(t, root, "ProgramData/FixUpd/updater.exe", "ProgramData/FixUpd/fixupd.dll")
	fs := persistScan(t, root, intel)
	for _, w := range []struct{ mech, source, time string }{
		{"run-key", `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, ""},
		{"scheduled-task", `C:\Windows\System32\Tasks\FixUpd Updater`, "2022-04-12T09:30:00Z"},
		{"windows-service", `registry:HKLM\SYSTEM\ControlSet001\Services\FixUpdSvc`, ""},
		{"startup-folder", `C:\ProgramData\Microsoft\Windows\Start Menu\Programs\Startup\updater.lnk`, ""},
	} {
		f := findPersist(fs, func(f persistFinding) bool {
			return f.Evidence.Mechanism == w.mech && f.Evidence.Source == w.source
		})
		if f == nil || f.Evidence.ArtifactKind != "persistence" || f.Score < 90 || f.Reasons[0].Kind != "sha256" ||
			!strings.HasPrefix(f.Evidence.Path, `C:\ProgramData\FixUpd\`) || (w.time != "" && f.Evidence.Time != w.time) {
			t.Errorf("%s: %+v", w.mech, f)
		}
	}
	file := findPersist(fs, func(f persistFinding) bool {
		return f.Evidence.Kind == "file" && f.Evidence.Path == `C:\ProgramData\FixUpd\updater.exe`
	})
	if file == nil || file.Evidence.Mechanism == "" {
		t.Errorf("updater.exe's own finding does not say how it persists: %+v", file)
	}
	c2 := findPersist(fs, func(f persistFinding) bool {
		return f.Evidence.Mechanism == "run-key" && strings.Contains(f.Evidence.URL, "c2.persist.example")
	})
	if c2 == nil || c2.Reasons[0].Kind != "domain" || !strings.Contains(c2.Evidence.Command, "sync.exe") {
		t.Errorf("Run value calling the C2: %+v", c2)
	}
	zone := findPersist(fs, func(f persistFinding) bool { return f.Evidence.ArtifactKind == "zone-identifier" })
	if zone == nil || zone.Evidence.Path != `C:\Users\alice\Downloads\setup.exe` {
		t.Errorf("Zone.Identifier from dl.persist.example: %+v", zone)
	}
	_, table, _ := run(t, "scan", "--no-cache", "--no-builtin", "--intel", intel, root)
	if !strings.Contains(table, "persists via scheduled-task") || !strings.Contains(table, `starts   C:\ProgramData\FixUpd\updater.exe /task`) {
		t.Errorf("the table does not say how it persists:\n%s", table)
	}
}

// TestEndToEndPersistMacOS: a quarantine event from an indicator's domain
// is a finding with its time; a launchd daemon starting a known program is
// a finding naming launchd.
func TestEndToEndPersistMacOS(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	root := filepath.Join(testutil.Fixture(t, "persist.sh"), "macos")
	fs := persistScan(t, root, persistIntel(t, root, "Library/Application Support/FixUpd/fixupd"))
	q := findPersist(fs, func(f persistFinding) bool { return f.Evidence.ArtifactKind == "quarantine-event" })
	if q == nil || q.Evidence.URL != "https://dl.persist.example/FixUpd.dmg" || !strings.HasPrefix(q.Evidence.Time, "2022-04-12T10:15:00") ||
		!strings.HasPrefix(q.ExposedSince, "2022-04-12T10:15") {
		t.Errorf("quarantine event: %+v", q)
	}
	l := findPersist(fs, func(f persistFinding) bool { return f.Evidence.Mechanism == "launchd" })
	if l == nil || l.Evidence.Path != "/Library/Application Support/FixUpd/fixupd" || l.Score < 90 {
		t.Errorf("launchd daemon: %+v", l)
	}
}

// TestEndToEndPersistLinux: an enabled systemd unit, an @reboot cron line
// and rc.local start a known program; each names its mechanism. The
// program is hashed although the scan excludes its directory.
func TestEndToEndPersistLinux(t *testing.T) {
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	root := filepath.Join(testutil.Fixture(t, "persist.sh"), "linux")
	fs := persistScan(t, root, persistIntel(t, root, "opt/fixupd/fixupd"), "--exclude", "/opt/fixupd")
	for _, mech := range []string{"systemd", "cron", "rc-local"} {
		f := findPersist(fs, func(f persistFinding) bool {
			return f.Evidence.Mechanism == mech && f.Evidence.Path == "/opt/fixupd/fixupd"
		})
		if f == nil || f.Reasons[0].Kind != "sha256" {
			t.Errorf("%s: %+v", mech, f)
		}
	}
}
