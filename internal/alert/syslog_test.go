package alert

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRsyslog runs Debian's rsyslogd with a temporary configuration: TCP
// and UDP inputs on loopback, every message written to out as the fields
// rsyslog parsed, one per line.
func startRsyslog(t *testing.T) (tcpPort, udpPort int, out string) {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		t.Skip("rsyslogd not installed (apt-get install rsyslog)")
	}
	dir := t.TempDir()
	out = filepath.Join(dir, "out.log")
	tcpPort, udpPort = freePort(t, "tcp"), freePort(t, "udp")
	conf := fmt.Sprintf(`global(workDirectory=%q)
module(load="imtcp")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="%d")
input(type="imudp" address="127.0.0.1" port="%d")
template(name="fields" type="string" string="pri=%%pri%% sev=%%syslogseverity-text%% fac=%%syslogfacility-text%% ver=%%protocol-version%% host=%%hostname%% app=%%app-name%% msgid=%%msgid%% sd=%%structured-data%% msg=%%msg%%\n")
action(type="omfile" file=%q template="fields")
`, dir, tcpPort, udpPort, out)
	cf := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-f", cf, "-i", filepath.Join(dir, "pid"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tcpPort))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslogd did not listen: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(b) > 0 && len(lines) >= n {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatalf("rsyslog wrote %q, want %d lines", b, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSyslogRsyslog(t *testing.T) {
	tcp, udp, out := startRsyslog(t)
	a := sample()
	a.Title = `quote " bracket ] backslash \ end`
	tc, err := NewSyslog(fmt.Sprintf("tcp://127.0.0.1:%d", tcp), "", "1.2.3", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	// Two messages on one connection: octet counting keeps them apart.
	if err := tc.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	b := *a
	b.FindingID, b.Level, b.Score = "f2", "notice", 45
	if err := tc.Send(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	waitLines(t, out, 2)
	uc, err := NewSyslog(fmt.Sprintf("udp://127.0.0.1:%d", udp), "cef", "1.2.3", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := uc.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	lines := waitLines(t, out, 3)
	for i, want := range [][]string{
		{"pri=129 ", "sev=alert ", "fac=local0 ", "ver=1 ", "app=cascade ", "msgid=finding ", `sd=[cascade@32473 finding="f1" event="new" host="h-uid"`,
			`score="90" level="alert" incident="3cx-2023"`, "msg=alert finding on web01: quote \" bracket ] backslash \\ end (score 90)"},
		{"sev=notice ", `finding="f2"`, `score="45"`},
		{"sev=alert ", "app=cascade ", "sd=- ", `msg=CEF:0|cascade|cascade|1.2.3|finding-new|quote " bracket ] backslash \\ end|9|`,
			"externalId=f1 ", `cs4=C:\\Program Files\\X_TRADER\\x.exe `, "cn1=90 "},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	if w := `title="quote \" bracket \] backslash \\ end"`; !strings.Contains(lines[0], w) {
		t.Errorf("structured data %s lacks %s", lines[0], w)
	}
}

func TestCEFEscaping(t *testing.T) {
	for _, tc := range []struct{ in, header, value string }{
		{`a|b`, `a\|b`, `a|b`},
		{`a\b`, `a\\b`, `a\\b`},
		{`k=v`, `k=v`, `k\=v`},
		{"l1\nl2", "l1 l2", `l1\nl2`},
		{"l1\r\nl2", "l1  l2", `l1\nl2`},
	} {
		if got := cefHeader(tc.in); got != tc.header {
			t.Errorf("header %q = %q, want %q", tc.in, got, tc.header)
		}
		if got := cefValue(tc.in); got != tc.value {
			t.Errorf("value %q = %q, want %q", tc.in, got, tc.value)
		}
	}
}

func TestSDEscape(t *testing.T) {
	if got := sdEscape(`a"b\c]d` + "\n"); got != `a\"b\\c\]d ` {
		t.Fatalf("sdEscape = %q", got)
	}
}
