package live

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// startProbe copies sleep to a temp path (a known image no other process
// runs) and starts it; the process is killed when the test ends.
func startProbe(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	src, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	img := filepath.Join(t.TempDir(), "cascade-live-probe")
	copyFile(t, src, img)
	cmd := exec.Command(img, "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, cmd.Process.Pid, img)
	return cmd, img
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitExec waits until the child has exec'd its image (Start returns
// after fork, possibly before exec).
func waitExec(t *testing.T, pid int, img string) {
	t.Helper()
	for range 200 {
		if l, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); l == img {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never ran %s", pid, img)
}

// loopback opens a listener and one connection to it, both owned by the
// test process.
func loopback(t *testing.T) (listen, client *net.TCPAddr) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return ln.Addr().(*net.TCPAddr), c.LocalAddr().(*net.TCPAddr)
}

func TestSweepFindsProcessAndConnection(t *testing.T) {
	cmd, img := startProbe(t)
	lnAddr, clAddr := loopback(t)
	started := time.Now()
	res := Sweep(context.Background())

	var proc *snapshot.Process
	for _, a := range res.Processes {
		if a.Process.PID == cmd.Process.Pid {
			proc = a.Process
		}
	}
	if proc == nil {
		t.Fatalf("pid %d not in the sweep (%d processes)", cmd.Process.Pid, len(res.Processes))
	}
	if proc.Image != img || proc.ImageDeleted || proc.PPID != os.Getpid() || proc.Cmdline != img+" 300" ||
		proc.Name != "cascade-live-pr" {
		t.Errorf("process = %+v", proc)
	}
	// starttime has clock-tick precision and btime whole seconds.
	if proc.Start == nil || proc.Start.Before(started.Add(-time.Minute)) || proc.Start.After(started.Add(2*time.Second)) {
		t.Errorf("start %v, test started at %v", proc.Start, started)
	}
	if proc.User == "" {
		t.Error("no user")
	}

	var conn, lis *snapshot.Artifact
	for i, a := range res.Connections {
		c := a.Conn
		if c.Protocol == "tcp" && c.LocalPort == clAddr.Port && a.Port == lnAddr.Port {
			conn = &res.Connections[i]
		}
		if c.Protocol == "tcp" && c.LocalPort == lnAddr.Port && c.State == "listen" {
			lis = &res.Connections[i]
		}
	}
	if conn == nil || lis == nil {
		t.Fatalf("connection %v → %v or its listener not found", clAddr, lnAddr)
	}
	self, _ := os.Executable()
	if conn.IP != "127.0.0.1" || conn.Conn.State != "established" || conn.Conn.PID != os.Getpid() || conn.Conn.Image != self {
		t.Errorf("connection = %+v %+v", conn, conn.Conn)
	}
	if lis.IP != "" || lis.Conn.LocalIP != "127.0.0.1" || lis.Conn.PID != os.Getpid() {
		t.Errorf("listener = %+v %+v", lis, lis.Conn)
	}
	checkWithSS(t, clAddr, lnAddr)
}

// checkWithSS asks ss (iproute2), which reads the kernel over netlink, not
// /proc/net, for the same connection and its owner.
func checkWithSS(t *testing.T, cl, ln *net.TCPAddr) {
	testutil.NeedTools(t, "ss")
	out, err := exec.Command("ss", "-tnpH", "src", cl.String(), "dst", ln.String()).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "ESTAB") || !strings.Contains(line, "pid="+strconv.Itoa(os.Getpid())+",") {
		t.Errorf("ss sees %q, want ESTAB owned by pid %d", line, os.Getpid())
	}
}

func TestSweepDeletedImage(t *testing.T) {
	cmd, img := startProbe(t)
	if err := os.Remove(img); err != nil {
		t.Fatal(err)
	}
	for _, a := range Sweep(context.Background()).Processes {
		if p := a.Process; p.PID == cmd.Process.Pid {
			if p.Image != img || !p.ImageDeleted {
				t.Errorf("process = %+v, want %s deleted", p, img)
			}
			return
		}
	}
	t.Fatal("probe not found")
}

// A process that exits between the directory listing and the reads is
// counted as vanished, and the sweep goes on.
func TestSweepVanished(t *testing.T) {
	s := &procSweep{root: "/proc", owner: map[uint64]int{}, images: map[int]string{}, buf: make([]byte, 4096)}
	s.res = Result{Skipped: map[string]int64{}}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	s.process(cmd.Process.Pid) // reaped: gone
	if s.res.Skipped[SkipVanished] != 1 || len(s.res.Processes) != 0 || len(s.res.Problems) != 0 {
		t.Errorf("result = %+v", s.res)
	}
}
