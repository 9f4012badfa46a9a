package match

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func TestRunningFindings(t *testing.T) {
	s := compile(t)
	start := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	at := start.Add(time.Hour)
	proc := func(pid int, image string, deleted bool, modules ...string) snapshot.Artifact {
		return snapshot.Artifact{Kind: snapshot.ArtifactProcess, Source: "/proc/x",
			Process: &snapshot.Process{PID: pid, Image: image, ImageDeleted: deleted, Start: &start, Modules: modules}}
	}
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "h", CollectedAt: at},
		Files: []snapshot.File{{Path: `C:\Users\a\evil.exe`, ModTime: start.Add(-time.Hour)}},
		Artifacts: []snapshot.Artifact{
			proc(900, `C:\Users\a\evil.exe`, false), // the file's own finding, running twice
			proc(800, `C:\Users\a\evil.exe`, false),
			proc(10, `C:\Tools\host.exe`, false, `C:\Tools\evil.exe`), // a module
			proc(11, `/tmp/gone/evil.exe`, true),                      // deleted: name alone
			proc(12, `C:\Windows\evil.exe`, false),                    // suppressed by its false-positive rule
			proc(13, `C:\Tools\clean.exe`, false),
			{Kind: snapshot.ArtifactConnection, Source: "/proc/net/tcp", IP: "159.148.186.228", Port: 443,
				Conn: &snapshot.Connection{Protocol: "tcp", LocalIP: "10.0.0.2", LocalPort: 50000, State: "established", PID: 800, Image: `C:\Users\a\evil.exe`}},
			{Kind: snapshot.ArtifactConnection, Source: "/proc/net/tcp", IP: "127.0.0.1", Port: 443,
				Conn: &snapshot.Connection{Protocol: "tcp", LocalIP: "127.0.0.1", LocalPort: 50001}},
		}}
	byKey := map[string]finding.Finding{}
	for _, f := range s.Match(snap) {
		byKey[f.Evidence.Kind+" "+f.Evidence.Path+f.Evidence.IP] = f
	}
	disk, ok := byKey[`file C:\Users\a\evil.exe`]
	if !ok {
		t.Fatalf("no file finding: %v", byKey)
	}
	tests := []struct {
		key          string
		pid, procs   int
		module, want string
	}{
		{`process C:\Users\a\evil.exe`, 800, 2, "", "running now (pid 800, since 2026-12-07T01:00:00Z, 2 processes)"},
		{`process C:\Tools\evil.exe`, 10, 1, `C:\Tools\evil.exe`, "running now (pid 10, since 2026-12-07T01:00:00Z)"},
		{`process /tmp/gone/evil.exe`, 11, 1, "", "running now (pid 11, since 2026-12-07T01:00:00Z)"},
		{`artifact 159.148.186.228`, 800, 0, "", "running now (pid 800)"},
	}
	for _, tt := range tests {
		f, ok := byKey[tt.key]
		if !ok {
			t.Errorf("%s: no finding", tt.key)
			continue
		}
		r := f.Running
		if r == nil || r.PID != tt.pid || r.Processes != tt.procs || r.Module != tt.module || r.String() != tt.want {
			t.Errorf("%s: running %+v (%v)", tt.key, r, r)
		}
		if f.Score != min(100, 70+RunningBump) || f.Level != finding.Alert || f.Reasons[0].Kind != "running-now" {
			t.Errorf("%s: score %d %s, reasons %+v", tt.key, f.Score, f.Level, f.Reasons)
		}
	}
	if disk.Score != 70 || disk.Running != nil {
		t.Errorf("file on disk: %d %+v", disk.Score, disk.Running)
	}
	for _, k := range []string{`process C:\Windows\evil.exe`, `process C:\Tools\clean.exe`, "artifact 127.0.0.1"} {
		if f, ok := byKey[k]; ok && f.Suppressed == "" {
			t.Errorf("%s: unexpected finding %+v", k, f)
		}
	}
	if byKey[`process C:\Users\a\evil.exe`].ExposedSince.After(start.Add(-time.Hour)) {
		t.Error("the file's older mtime should stay the exposure start")
	}
}

// TestProcessFindingRowLevel: a process record matched alone (as the
// server matches a stored observation) gives the finding Match gives.
func TestProcessFindingRowLevel(t *testing.T) {
	s := compile(t)
	start := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	p := &snapshot.Process{PID: 7, Image: `C:\Tools\host.exe`, Start: &start, Modules: []string{`C:\Tools\lib.dll`, `C:\Tools\evil.exe`}}
	a := snapshot.Artifact{Kind: snapshot.ArtifactProcess, Process: p}
	row, ok := s.ArtifactFinding("h", &a, start)
	if !ok {
		t.Fatal("no finding")
	}
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "h", CollectedAt: start}, Artifacts: []snapshot.Artifact{a}}
	all := s.Match(snap)
	if len(all) != 1 || all[0].ID != row.ID || all[0].Score != row.Score || row.Running.Module != `C:\Tools\evil.exe` {
		t.Errorf("row %+v, snapshot %+v", row, all)
	}
}
