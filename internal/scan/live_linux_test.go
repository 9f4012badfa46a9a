package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/live"
	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// TestLiveRunningFinding: a process running a copy of sleep whose SHA-256
// is an indicator is found "running now", above the file on disk, and its
// process record carries the digest its file record got from the walk.
func TestLiveRunningFinding(t *testing.T) {
	src, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	root := t.TempDir()
	img := filepath.Join(root, "bin", "updater")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(img), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, b, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	// A second image no intel names: the Keep filter would drop its record,
	// pinning keeps it, so its process still gets its digest.
	other := filepath.Join(root, "bin", "helper")
	otherBytes := append(b, 0) // a trailing byte: another digest, same program
	if err := os.WriteFile(other, otherBytes, 0o755); err != nil {
		t.Fatal(err)
	}
	otherSum := sha256.Sum256(otherBytes)
	cmd := start(t, img)
	helper := start(t, other)

	in := &intel.Intel{Sources: []intel.Source{{ID: "test", Name: "test", Kind: "cascade"}},
		Indicators: []intel.Indicator{{ID: "test/updater", Type: intel.SHA256, Value: digest, Score: 70, Sources: []string{"test"}}}}
	set, err := match.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Roots: []string{root}, Collect: collect.Options{HostCollectors: []collect.HostCollector{live.NewAnyRoot()}}}
	res, err := Run(context.Background(), set, opt)
	if err != nil {
		t.Fatal(err)
	}
	snap := res[0].Snapshot
	var proc *snapshot.Process
	for _, a := range snap.Artifacts {
		if a.Process != nil && a.Process.PID == cmd.Process.Pid {
			proc = a.Process
		}
	}
	if proc == nil || proc.SHA256 != digest {
		t.Fatalf("process record %+v, want sha256 %s", proc, digest)
	}
	found := false
	for _, a := range snap.Artifacts {
		if a.Process != nil && a.Process.PID == helper.Process.Pid {
			found = true
			if a.Process.SHA256 != hex.EncodeToString(otherSum[:]) {
				t.Errorf("unmatched image's process record %+v, want its digest", a.Process)
			}
		}
	}
	if !found {
		t.Error("helper process not swept")
	}
	var onDisk, running *finding.Finding
	for i, f := range res[0].Findings {
		switch {
		case f.Evidence.Kind == finding.EvidenceFile && f.Evidence.Path == img:
			onDisk = &res[0].Findings[i]
		case f.Evidence.Kind == finding.EvidenceProcess && f.Evidence.Path == img:
			running = &res[0].Findings[i]
		}
	}
	if onDisk == nil || running == nil {
		t.Fatalf("findings %+v: want the file and its running process", res[0].Findings)
	}
	if running.Running == nil || running.Running.PID != cmd.Process.Pid || running.Running.Since.IsZero() {
		t.Fatalf("running = %+v", running.Running)
	}
	if running.Score != min(100, onDisk.Score+match.RunningBump) || running.Level != finding.Alert || onDisk.Level != finding.Warning {
		t.Errorf("running %d %s, on disk %d %s", running.Score, running.Level, onDisk.Score, onDisk.Level)
	}
	if res[0].Findings[0].ID != running.ID {
		t.Errorf("the running finding is not first: %s", res[0].Findings[0].Title)
	}
}

// TestLiveOnlyForTheWholeMachine: scanning a directory of the live
// machine lists no processes.
func TestLiveOnlyForTheWholeMachine(t *testing.T) {
	set, err := match.Compile(&intel.Intel{})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Roots: []string{t.TempDir()}, Collect: collect.Options{HostCollectors: []collect.HostCollector{live.New()}}}
	res, err := Run(context.Background(), set, opt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res[0].Snapshot.Artifacts); n != 0 {
		t.Errorf("%d artifacts from a directory scan", n)
	}
}

// start runs img (a copy of sleep) until the test ends, once it has
// exec'd.
func start(t *testing.T, img string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(img, "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 200; i++ {
		if l, _ := os.Readlink("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/exe"); l == img {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd
}
