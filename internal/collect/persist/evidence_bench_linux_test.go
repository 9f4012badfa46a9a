//go:build linux

package persist

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/execart/pftest"
	"github.com/cascade-ir/cascade/internal/collect/netart"
	"github.com/cascade-ir/cascade/internal/collect/reach"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// BenchmarkEvidenceCost measures, side by side in one run, cold scans of
// one generated Windows image with issue 20's collectors off and on:
//
//	CASCADE_BENCH_FILES=100000 go test ./internal/collect/persist -run '^$' -bench EvidenceCost -benchtime 5x
//
// The image is persist.sh's windows tree with winexec.sh's Amcache.hve
// and Prefetch, grown to plausible sizes (evidenceImage): registry hives
// of real sizes (SOFTWARE 64 MiB, SYSTEM 16 MiB, NTUSER.DAT 4 MiB,
// Amcache.hve with 3,000 file entries), 600 services, 300 Uninstall
// entries, 250 compressed Prefetch files, 300 task files, and
// CASCADE_BENCH_FILES (default 20,000) files of 4 KiB.
//
// "off" runs the collectors a scan had before issue 20 (Windows
// registry, hosts, browser history, reach, code signing); "on" adds the
// execution-evidence (Prefetch, Amcache, Shimcache, BAM, UserAssist),
// persistence, quarantine and Zone.Identifier collectors. Each iteration
// runs one scan of each, alternately, so that the shared machine's load
// drifts over both alike. The metrics are the process's CPU time
// (getrusage, user+system) per scan of each, and added-% = on/off - 1.
func BenchmarkEvidenceCost(b *testing.B) {
	img := evidenceImage(b)
	cs, err := codesign.New(codesign.Options{})
	if err != nil {
		b.Fatal(err)
	}
	off := []collect.PathCollector{windows.New(), netart.NewHosts(), netart.NewBrowser(netart.BrowserOptions{})}
	off = append(off, reach.Collectors()...)
	on := append(append([]collect.PathCollector{}, off...), execart.New(), execart.NewRegistry())
	on = append(on, Collectors()...)
	on = append(on, netart.NewQuarantine(netart.BrowserOptions{}), netart.NewZone())
	scan := func(pcs []collect.PathCollector) (time.Duration, int) {
		before := cpuTime()
		src, err := source.Open(img, source.Options{OS: source.Windows})
		if err != nil {
			b.Fatal(err)
		}
		defer src.Close()
		snap, err := collect.Collect(context.Background(), src, collect.Options{
			Digests: collect.Digests{SHA256: true}, PathCollectors: pcs,
			ContentCollectors: []collect.ContentCollector{cs}})
		if err != nil {
			b.Fatal(err)
		}
		return cpuTime() - before, len(snap.Artifacts)
	}
	var cpuOff, cpuOn time.Duration
	for b.Loop() {
		d, nOff := scan(off)
		cpuOff += d
		d, nOn := scan(on)
		cpuOn += d
		if nOn < nOff+3000 {
			b.Fatalf("%d artifacts with the collectors on, %d off: the evidence was not read", nOn, nOff)
		}
	}
	b.ReportMetric(cpuOff.Seconds()/float64(b.N), "off-cpu-s/op")
	b.ReportMetric(cpuOn.Seconds()/float64(b.N), "on-cpu-s/op")
	b.ReportMetric(100*(cpuOn.Seconds()/cpuOff.Seconds()-1), "added-%")
}

// BenchmarkHiveReads measures what sharing one read of each hive saves:
// the four hive collectors (Windows registry, reach, execution evidence,
// persistence) offered the grown SOFTWARE, SYSTEM and NTUSER.DAT of
// evidenceImage as the engine offers them, in one shared scope per file
// ("shared") and each reading the hive on its own as before ("alone"),
// side by side in one run:
//
//	go test ./internal/collect/persist -run '^$' -bench HiveReads -benchtime 5x
func BenchmarkHiveReads(b *testing.B) {
	img := evidenceImage(b)
	env := collecttest.ImageEnv(os.DirFS(img), "windows")
	cs := []collect.PathCollector{windows.New(), reach.NewRegistry(), execart.NewRegistry(), NewRegistry()}
	hives := []string{"Windows/System32/config/SOFTWARE", "Windows/System32/config/SYSTEM", "Users/alice/NTUSER.DAT"}
	for _, share := range []bool{false, true} {
		name := map[bool]string{false: "alone", true: "shared"}[share]
		b.Run(name, func(b *testing.B) {
			before := cpuTime()
			for b.Loop() {
				for _, rel := range hives {
					ctx := context.Background()
					if share {
						ctx = collect.WithSharedScope(ctx)
					}
					for _, c := range cs {
						if c.WantsPath(env, rel) {
							c.CollectPath(ctx, env, rel, &collecttest.Sink{})
						}
					}
				}
			}
			b.ReportMetric((cpuTime()-before).Seconds()*1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// evidenceImage builds the benchmarks' Windows image (see
// BenchmarkEvidenceCost). Hives are grown with hivexregedit: ballast
// values of 64 KiB under a key no collector reads make up their size.
func evidenceImage(b *testing.B) string {
	b.Helper()
	testutil.NeedTools(b, "hivexregedit", "python3", "sqlite3")
	root := b.TempDir()
	fix := filepath.Join(testutil.RepoRoot(b), "testdata/fixtures")
	for _, c := range [][]string{{"persist.sh", root}, {"winexec.sh", filepath.Join(root, "winexec")}} {
		if out, err := exec.Command("bash", filepath.Join(fix, c[0]), c[1]).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", c[0], err, out)
		}
	}
	img := filepath.Join(root, "windows")
	amcache := "Windows/AppCompat/Programs/Amcache.hve"
	os.MkdirAll(filepath.Join(img, filepath.Dir(amcache)), 0o755)
	if err := os.Rename(filepath.Join(root, "winexec", amcache), filepath.Join(img, amcache)); err != nil {
		b.Fatal(err)
	}
	var services, uninstall, inventory strings.Builder
	uninstall.WriteString("[\\Microsoft\\Windows\\CurrentVersion\\Uninstall]\n\n")
	for i := range 600 {
		fmt.Fprintf(&services, "[\\ControlSet001\\Services\\BenchSvc%03d]\n\"ImagePath\"=str(2):\"C:\\\\Windows\\\\System32\\\\svc%03d.exe -k bench\"\n"+
			"\"Start\"=dword:00000002\n\"Type\"=dword:00000010\n\"ObjectName\"=str(1):\"LocalSystem\"\n\n", i, i)
	}
	for i := range 300 {
		fmt.Fprintf(&uninstall, "[\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{BENCH-%04d}]\n\"DisplayName\"=str(1):\"Bench Product %d\"\n"+
			"\"DisplayVersion\"=str(1):\"1.%d\"\n\"Publisher\"=str(1):\"Bench Inc\"\n\n", i, i, i)
	}
	for i := range 3000 {
		fmt.Fprintf(&inventory, "[\\Root\\InventoryApplicationFile\\lib%04d.dll|%016x]\n\"FileId\"=str(1):\"0000%040x\"\n"+
			"\"LowerCaseLongPath\"=str(1):\"c:\\\\program files\\\\app%02d\\\\lib%04d.dll\"\n\"Name\"=str(1):\"lib%04d.dll\"\n\n", i, i, i, i/100, i, i)
	}
	grow := []struct {
		rel   string
		extra string
		mib   int
	}{
		{"Windows/System32/config/SOFTWARE", uninstall.String(), 64},
		{"Windows/System32/config/SYSTEM", services.String(), 16},
		{"Users/alice/NTUSER.DAT", "", 4},
		{amcache, inventory.String(), 8},
	}
	errs := make(chan error, len(grow))
	for _, g := range grow {
		tmp := b.TempDir()
		go func() { errs <- mergeBallast(filepath.Join(img, g.rel), g.extra, g.mib, tmp) }()
	}
	for range grow {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	addPrefetch(b, img)
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("CASCADE_BENCH_FILES")); err == nil && v > 0 {
		n = v
	}
	fillImage(b, img, n)
	return img
}

// mergeBallast merges reg (a .reg body of keys) and mib MiB of 64 KiB
// binary values under \CascadeBenchBallast into the hive at path.
func mergeBallast(path, reg string, mib int, tmp string) error {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\n\n[\\CascadeBenchBallast]\n\n")
	sb.WriteString(reg)
	blob := make([]string, 64<<10)
	for i := range blob {
		blob[i] = fmt.Sprintf("%02x", (i*7)%256)
	}
	data := strings.Join(blob, ",")
	for i := range mib * 16 {
		fmt.Fprintf(&sb, "[\\CascadeBenchBallast\\B%04d]\n\"Data\"=hex(3):%s\n\n", i, data)
	}
	file := filepath.Join(tmp, "ballast.reg")
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("hivexregedit", "--merge", path, file).CombinedOutput(); err != nil {
		return fmt.Errorf("hivexregedit %s: %v\n%s", path, err, out)
	}
	return nil
}

// addPrefetch writes 250 compressed (MAM) version-30 Prefetch files of
// 120 referenced files each.
func addPrefetch(b *testing.B, img string) {
	b.Helper()
	dir := filepath.Join(img, "Windows", "Prefetch")
	os.MkdirAll(dir, 0o755)
	for i := range 250 {
		f := pftest.File{Version: 30, Executable: fmt.Sprintf("APP%03d.EXE", i), Hash: uint32(i), RunCount: 5,
			RunTimes: []time.Time{time.Date(2023, 1, 1, 0, 0, i, 0, time.UTC)}}
		for j := range 120 {
			f.Files = append(f.Files, fmt.Sprintf(`\VOLUME{01d2c0a5e8f0a1b2-1234abcd}\PROGRAM FILES\APP%03d\LIB%04d.DLL`, i, j))
		}
		name := filepath.Join(dir, fmt.Sprintf("APP%03d.EXE-%08X.pf", i, i))
		if err := os.WriteFile(name, pftest.CompressMAM(f.Bytes()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
