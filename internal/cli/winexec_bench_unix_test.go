//go:build unix

package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/execart/pftest"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// BenchmarkExecutionEvidenceCost measures what the execution-evidence
// collectors add to a cold scan of a Windows image: winexec.sh's image
// grown to a plausible size (4,000 program files of 16 KiB, 250 compressed
// Prefetch files of 120 referenced files each, 3,000 Amcache file entries).
//
//	go test ./internal/cli -run '^$' -bench ExecutionEvidenceCost -benchtime 3x
//
// "scan" is `cascade scan --no-cache` with every collector; "execution"
// is the two execution collectors alone, each walking the image on its
// own; "walk" is one such walk offering every file to a collector that
// wants none. What the collectors add to a scan, whose engine walks once
// for all, is execution - 2×walk. On this shared machine wall time mostly
// measures waiting for a core, so each run also reports the process CPU
// time it used (cpu-ms/op, from getrusage).
func BenchmarkExecutionEvidenceCost(b *testing.B) {
	testutil.NeedTools(b, "hivexregedit", "python3")
	root := testutil.Fixture(b, "winexec.sh")
	growImage(b, root)
	b.Run("scan", func(b *testing.B) {
		defer cpuMetric(b)()
		for b.Loop() {
			var out, errb strings.Builder
			if code := Run(context.Background(), []string{"cascade", "scan", "--no-cache", root}, strings.NewReader(""), &out, &errb); code == 2 {
				b.Fatalf("scan: %s", errb.String())
			}
		}
	})
	b.Run("execution", func(b *testing.B) {
		env := collecttest.ImageEnv(os.DirFS(root), "windows")
		defer cpuMetric(b)()
		for b.Loop() {
			sink := &collecttest.Sink{}
			collecttest.Walk(b, env, execart.New(), sink)
			collecttest.Walk(b, env, execart.NewRegistry(), sink)
			if len(sink.Artifacts) < 3000 {
				b.Fatalf("%d artifacts", len(sink.Artifacts))
			}
		}
	})

	for _, c := range []collect.PathCollector{execart.New(), execart.NewRegistry()} {
		b.Run(c.Name(), func(b *testing.B) {
			env := collecttest.ImageEnv(os.DirFS(root), "windows")
			defer cpuMetric(b)()
			for b.Loop() {
				collecttest.Walk(b, env, c, &collecttest.Sink{})
			}
		})
	}
	b.Run("walk", func(b *testing.B) {
		env := collecttest.ImageEnv(os.DirFS(root), "windows")
		defer cpuMetric(b)()
		for b.Loop() {
			collecttest.Walk(b, env, wantsNothing{}, &collecttest.Sink{})
		}
	})
}

type wantsNothing struct{}

func (wantsNothing) Name() string                        { return "nothing" }
func (wantsNothing) WantsPath(*collect.Env, string) bool { return false }
func (wantsNothing) CollectPath(context.Context, *collect.Env, string, collect.Sink) error {
	return nil
}

// cpuMetric reports the process CPU time (user + system) per iteration.
func cpuMetric(b *testing.B) func() {
	before := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-before).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func growImage(b *testing.B, root string) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	buf := make([]byte, 48<<10)
	for i := range 16000 {
		p := filepath.Join(root, "Program Files", fmt.Sprintf("App%03d", i/100), fmt.Sprintf("lib%04d.dll", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		for j := 0; j+8 <= len(buf); j += 8 {
			binary.LittleEndian.PutUint64(buf[j:], rng.Uint64())
		}
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 250 {
		f := pftest.File{Version: 30, Executable: fmt.Sprintf("APP%03d.EXE", i), Hash: uint32(i), RunCount: 5,
			RunTimes: []time.Time{time.Date(2023, 1, 1, 0, 0, i, 0, time.UTC)}}
		for j := range 120 {
			f.Files = append(f.Files, fmt.Sprintf(`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\PROGRAM FILES\APP%03d\LIB%04d.DLL`, i, j))
		}
		name := filepath.Join(root, "Windows", "Prefetch", fmt.Sprintf("APP%03d.EXE-%08X.pf", i, i))
		if err := os.WriteFile(name, pftest.CompressMAM(f.Bytes()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var reg strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&reg, "[\\Root\\InventoryApplicationFile\\lib%04d.dll|%016x]\n\"FileId\"=str(1):\"0000%040x\"\n"+
			"\"LowerCaseLongPath\"=str(1):\"c:\\\\program files\\\\app%02d\\\\lib%04d.dll\"\n\"Name\"=str(1):\"lib%04d.dll\"\n\n", i, i, i, i/100, i, i)
	}
	regFile := filepath.Join(b.TempDir(), "amcache.reg")
	os.WriteFile(regFile, []byte(reg.String()), 0o644)
	if out, err := exec.Command("hivexregedit", "--merge", filepath.Join(root, "Windows/AppCompat/Programs/Amcache.hve"), regFile).CombinedOutput(); err != nil {
		b.Fatalf("hivexregedit: %v\n%s", err, out)
	}
}
