package fleet

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestLiveKeys: a process restarted (new pid, start time, source) or a
// connection from a new ephemeral port is the same observation; another
// digest, image or remote address is a new one.
func TestLiveKeys(t *testing.T) {
	t1, t2 := time.Unix(1, 0), time.Unix(2, 0)
	proc := func(pid int, image, sum string, start time.Time) snapshot.Artifact {
		return snapshot.Artifact{Kind: snapshot.ArtifactProcess, Source: "/proc/x", FirstSeen: &start,
			Process: &snapshot.Process{PID: pid, Image: image, SHA256: sum, Start: &start}}
	}
	conn := func(lport int, ip string, rport, pid int) snapshot.Artifact {
		return snapshot.Artifact{Kind: snapshot.ArtifactConnection, Source: "/proc/net/tcp", IP: ip, Port: rport,
			Conn: &snapshot.Connection{Protocol: "tcp", LocalIP: "10.0.0.2", LocalPort: lport, State: "established", PID: pid, Image: "/usr/bin/app"}}
	}
	a := proc(10, "/usr/bin/app", "AB", t1)
	same := []snapshot.Artifact{proc(99, "/usr/bin/app", "ab", t2)}
	other := []snapshot.Artifact{proc(10, "/usr/bin/app", "cd", t1), proc(10, "/usr/bin/app2", "ab", t1)}
	c := conn(50000, "203.0.113.9", 443, 7)
	same = append(same, conn(50001, "203.0.113.9", 443, 8))
	other = append(other, conn(50000, "203.0.113.10", 443, 7), conn(50000, "203.0.113.9", 80, 7))
	for _, s := range same {
		base := a
		if s.Conn != nil {
			base = c
		}
		if ArtifactKey(&base) != ArtifactKey(&s) {
			t.Errorf("%+v and %+v: different keys", base, s)
		}
	}
	for _, o := range other {
		base := a
		if o.Conn != nil {
			base = c
		}
		if ArtifactKey(&base) == ArtifactKey(&o) {
			t.Errorf("%+v and %+v: one key", base, o)
		}
	}
	l1 := snapshot.Artifact{Kind: snapshot.ArtifactConnection, Conn: &snapshot.Connection{Protocol: "tcp", LocalIP: "0.0.0.0", LocalPort: 22, State: "listen"}}
	l2 := l1
	l2.Conn = &snapshot.Connection{Protocol: "tcp", LocalIP: "0.0.0.0", LocalPort: 2222, State: "listen"}
	if ArtifactKey(&l1) == ArtifactKey(&l2) {
		t.Error("listeners on two ports share a key")
	}
}

func TestValidateLive(t *testing.T) {
	ok := snapshot.Artifact{Kind: snapshot.ArtifactProcess, Source: "/proc/1",
		Process: &snapshot.Process{PID: 1, Image: "/sbin/init", Cmdline: "/sbin/init splash", Modules: []string{"/lib/libc.so.6"}}}
	bad := []snapshot.Artifact{
		{Kind: snapshot.ArtifactProcess, Source: "/proc/1", Process: &snapshot.Process{Name: "a\x00b"}},
		{Kind: snapshot.ArtifactProcess, Source: "/proc/1", Process: &snapshot.Process{Modules: []string{"ok", "\xff"}}},
		{Kind: snapshot.ArtifactProcess, Source: "/proc/1", Process: &snapshot.Process{Modules: make([]string, maxModules+1)}},
		{Kind: snapshot.ArtifactConnection, Source: "/proc/net/tcp", Conn: &snapshot.Connection{Protocol: "tcp\n"}},
	}
	if err := validArtifact(0, &ok, DefaultLimits); err != nil {
		t.Errorf("valid record: %v", err)
	}
	for i := range bad {
		if err := validArtifact(0, &bad[i], DefaultLimits); err == nil {
			t.Errorf("%+v: no error", bad[i])
		}
	}
}
