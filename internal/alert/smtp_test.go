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

// TestSMTPSink mails through Postfix's smtp-sink, which stores each
// message it receives in a file.
func TestSMTPSink(t *testing.T) {
	bin, err := exec.LookPath("smtp-sink")
	if err != nil {
		t.Skip("smtp-sink not installed (apt-get install postfix)")
	}
	// smtp-sink drops to nobody, who cannot enter t.TempDir().
	dir, err := os.MkdirTemp("", "cascade-smtp-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	port := freePort(t, "tcp")
	cmd := exec.Command(bin, "-u", "nobody", "-d", filepath.Join(dir, "%M."), fmt.Sprintf("127.0.0.1:%d", port), "10")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if i > 200 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s, err := NewSMTP(fmt.Sprintf("smtp://127.0.0.1:%d?from=cascade@example.org&to=soc@example.org,ir@example.org", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := 0; i < 200 && len(files) == 0; i++ {
		files, _ = filepath.Glob(filepath.Join(dir, "*"))
		time.Sleep(50 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("smtp-sink files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	got := string(b)
	for _, w := range []string{"cascade@example.org", "soc@example.org", "ir@example.org", "Subject: [cascade] alert finding on web01: X_TRADER 7.17 installed  Injected: yes",
		"Finding:  f1 (new)", "Score:    90 (alert)", "Incident: 3cx-2023"} {
		if !strings.Contains(got, w) {
			t.Errorf("message lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "\nInjected: yes") {
		t.Error("header injection through the title")
	}
}

// TestSMTPHangingRelay: a relay that accepts and says nothing costs one
// timeout.
func TestSMTPHangingRelay(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, err := NewSMTP("smtp://"+l.Addr().String()+"?from=a@example.org&to=b@example.org", "", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Send(context.Background(), sample()); err == nil {
		t.Fatal("hanging relay: no error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("hanging relay took %v", d)
	}
}

func TestSMTPDestination(t *testing.T) {
	for _, d := range []string{"smtp://relay", "smtp://relay?from=a@b", "http://relay?from=a@b&to=c@d", "smtp://relay?from=bad&to=c@d"} {
		if _, err := NewSMTP(d, "", 0); err == nil {
			t.Errorf("%s accepted", d)
		}
	}
	s, err := NewSMTP("smtp://user@relay.example:587?from=a@example.org&to=c@example.org", "pw", 0)
	if err != nil || s.user != "user" || s.addr != "relay.example:587" {
		t.Fatalf("%+v %v", s, err)
	}
}
