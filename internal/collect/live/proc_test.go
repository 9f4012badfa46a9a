package live

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseStat(t *testing.T) {
	tail := " 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 123456 1000 200 18446744073709551615"
	tests := []struct {
		name, in string
		want     procStat
		bad      bool
	}{
		{"plain", "42 (sleep) S 7" + tail, procStat{Comm: "sleep", State: 'S', PPID: 7, Flags: 4194560, StartTick: 123456}, false},
		{"comm with ) ( and spaces", "42 (a) (b c) R 1" + tail, procStat{Comm: "a) (b c", State: 'R', PPID: 1, Flags: 4194560, StartTick: 123456}, false},
		{"comm with NUL and bad UTF-8", "42 (x\x00\xff) S 1" + tail, procStat{Comm: "x\uFFFD", State: 'S', PPID: 1, Flags: 4194560, StartTick: 123456}, false},
		{"kernel thread flags", "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", procStat{Comm: "kthreadd", State: 'S', Flags: 2129984, StartTick: 5}, false},
		{"no comm", "42 sleep S 7" + tail, procStat{}, true},
		{"negative ppid", "42 (sleep) S -7" + tail, procStat{}, true},
		{"ppid overflow", "42 (sleep) S 99999999999999999999" + tail, procStat{}, true},
		{"bad starttime", "42 (sleep) S 7 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 12x 1000", procStat{}, true},
		{"bad flags", "42 (sleep) S 7 1 1 0 -1 0x10 100 0 0 0 5 3 0 0 20 0 1 0 1 1000", procStat{}, true},
		{"too few fields", "42 (sleep) S 7 1 1", procStat{}, true},
		{"two-letter state", "42 (sleep) SS 7" + tail, procStat{}, true},
		{"empty", "", procStat{}, true},
		{"reversed parens", "42 )sleep( S 7" + tail, procStat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStatusUID(t *testing.T) {
	tests := []struct {
		in   string
		uid  int
		ok   bool
		name string
	}{
		{"Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t5\n", 1000, true, "real uid"},
		{"Uid:\t0\t1000\t0\t0\n", 0, true, "root real, other effective"},
		{"Uid:\t-1\t0\t0\t0\n", 0, false, "negative"},
		{"Uid:\t4294967296\n", 0, false, "over 32 bits"},
		{"Uid:\n", 0, false, "empty"},
		{"Name:\tx\n", 0, false, "no Uid line"},
	}
	for _, tt := range tests {
		uid, ok := parseStatusUID([]byte(tt.in))
		if uid != tt.uid || ok != tt.ok {
			t.Errorf("%s: got %d %v, want %d %v", tt.name, uid, ok, tt.uid, tt.ok)
		}
	}
}

func TestParseCmdline(t *testing.T) {
	huge := strings.Repeat("A", 1<<20)
	tests := []struct{ name, in, want string }{
		{"args", "/bin/sleep\x0060\x00", "/bin/sleep 60"},
		{"rewritten title, no NULs", "nginx: worker process", "nginx: worker process"},
		{"empty args and trailing NULs", "a\x00\x00b\x00\x00\x00", "a  b"},
		{"bad UTF-8", "x\xff\xfe\x00", "x\uFFFD"},
		{"empty (zombie)", "", ""},
		{"huge", huge, strings.Repeat("A", maxCmdline) + "…"},
	}
	for _, tt := range tests {
		if got := parseCmdline([]byte(tt.in)); got != tt.want {
			t.Errorf("%s: got %.80q, want %.80q", tt.name, got, tt.want)
		}
	}
}

func TestParseMaps(t *testing.T) {
	in := `55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1234 /usr/bin/prog
55d0c0a02000-55d0c0a06000 r-xp 00002000 08:01 1234 /usr/bin/prog
7f0000000000-7f0000020000 r-xp 00000000 08:01 2000 /usr/lib/x86_64-linux-gnu/libc.so.6
7f0000020000-7f0000030000 r--p 00020000 08:01 2000 /usr/lib/x86_64-linux-gnu/libc.so.6
7f0000030000-7f0000031000 r-xp 00000000 08:01 2001 /opt/My App/lib plugin.so
7f0000040000-7f0000041000 r-xp 00000000 00:05 3000 /tmp/evil.so (deleted)
7f0000050000-7f0000051000 r-xp 00000000 00:00 0 [vdso]
7f0000060000-7f0000061000 rwxp 00000000 00:00 0
7f0000070000-7f0000071000 r-xp 00000000 08:01 2000 /usr/lib/x86_64-linux-gnu/libc.so.6
garbage
x r-xp
`
	got := parseMaps([]byte(in), "/usr/bin/prog")
	want := []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/opt/My App/lib plugin.so", "/tmp/evil.so (deleted)"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	var many strings.Builder
	for i := range 1000 {
		many.WriteString("1-2 r-xp 0 0:0 1 /lib/l" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + strings.Repeat("y", i) + "\n")
	}
	if n := len(parseMaps([]byte(many.String()), "")); n != maxModules {
		t.Errorf("%d modules, want the cap %d", n, maxModules)
	}
}

func TestParseNet(t *testing.T) {
	tests := []struct {
		file, proto string
		want        []string // local remote state inode
		bad         int
	}{
		{"net_tcp", "tcp", []string{
			"127.0.0.1:55433 0.0.0.0:0 listen 435722",
			"10.0.2.15:50000 10.0.0.5:22 established 99887",
		}, 5},
		{"net_tcp6", "tcp6", []string{
			"[::1]:631 [::]:0 listen 5555",
			"192.0.2.7:443 [2001:db8::1]:8080 time-wait 0",
		}, 0},
		{"net_udp", "udp", []string{
			"127.0.0.53:53 0.0.0.0:0  20001",
			"10.0.2.15:46546 8.8.8.8:53 established 20002",
		}, 0},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		socks, bad := parseNet(b, tt.proto)
		var got []string
		for _, s := range socks {
			got = append(got, s.Local.String()+" "+s.Remote.String()+" "+s.State+" "+strconv.FormatUint(s.Inode, 10))
		}
		if !slices.Equal(got, tt.want) || bad != tt.bad {
			t.Errorf("%s: got %q (%d bad), want %q (%d bad)", tt.file, got, bad, tt.want, tt.bad)
		}
	}
}

func TestSocketInode(t *testing.T) {
	for in, want := range map[string]uint64{"socket:[12345]": 12345, "pipe:[3]": 0, "socket:[]": 0,
		"socket:[x]": 0, "socket:[1": 0, "/dev/null": 0} {
		got, ok := socketInode(in)
		if got != want || ok != (want != 0) {
			t.Errorf("%q: got %d %v", in, got, ok)
		}
	}
}

func TestParsePasswd(t *testing.T) {
	m := parsePasswd([]byte("root:x:0:0:root:/root:/bin/bash\n# c:x:5\nbad\nalice:x:1000:1000::/home/alice:/bin/sh\r\ndup:x:0:0::/:/bin/sh\nneg:x:abc:0::/:\n"))
	if m[0] != "root" || m[1000] != "alice" || len(m) != 2 {
		t.Errorf("got %v", m)
	}
}

func TestRelOf(t *testing.T) {
	tests := []struct {
		root, p string
		win     bool
		want    string
		ok      bool
	}{
		{"/", "/usr/bin/sleep", false, "usr/bin/sleep", true},
		{"/tmp/x", "/tmp/x/probe", false, "probe", true},
		{"/tmp/x", "/tmp/xy/probe", false, "", false},
		{"/tmp/x", "/tmp/x", false, "", false},
		{"/", "/a/../etc/passwd", false, "", false},
		{"/", "relative", false, "", false},
		{`C:\`, `c:\Windows\System32\svchost.exe`, true, "Windows/System32/svchost.exe", true},
		{`C:\`, `D:\tools\x.exe`, true, "", false},
		{`C:\`, `\\?\C:\x.exe`, true, "", false},
	}
	for _, tt := range tests {
		got, ok := relOf(tt.root, tt.p, tt.win)
		if got != tt.want || ok != tt.ok {
			t.Errorf("relOf(%q, %q) = %q %v, want %q %v", tt.root, tt.p, got, ok, tt.want, tt.ok)
		}
	}
}
