package persist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/reach"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog/hivelogtest"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// countingFS counts the opens of each path.
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	opens map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	c.mu.Lock()
	c.opens[name]++
	c.mu.Unlock()
	return c.FS.Open(name)
}

// hiveCollectors are the four collectors that read registry hives.
func hiveCollectors() []collect.PathCollector {
	return []collect.PathCollector{windows.New(), reach.NewRegistry(), execart.NewRegistry(), NewRegistry()}
}

// TestHiveCollectorsShareOneRead offers each hive of the persist.sh image
// to the four hive collectors as the engine does (in one shared scope per
// file): each hive file is opened once, and the records and problems are
// the same as when every collector reads the hive on its own.
func TestHiveCollectorsShareOneRead(t *testing.T) {
	img := filepath.Join(fixture(t), "windows")
	for _, rel := range []string{"Windows/System32/config/SYSTEM", "Windows/System32/config/SOFTWARE", "Users/alice/NTUSER.DAT"} {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			alone, opensAlone, wanted := offerHive(t, os.DirFS(img), rel, false)
			shared, opensShared, _ := offerHive(t, os.DirFS(img), rel, true)
			if wanted < 2 {
				t.Fatalf("only %d collectors want %s", wanted, rel)
			}
			if opensAlone != wanted || opensShared != 1 {
				t.Errorf("%s opened %d times by %d collectors alone, %d times shared (want 1)", rel, opensAlone, wanted, opensShared)
			}
			if !reflect.DeepEqual(alone, shared) {
				t.Errorf("sharing changed what was collected:\nalone  %+v\nshared %+v", alone, shared)
			}
			if len(shared.Artifacts)+len(shared.Software) == 0 {
				t.Errorf("nothing collected from %s", rel)
			}
		})
	}
}

// TestDirtyHiveSharedWithItsRecovery: a dirty NTUSER.DAT is replayed from
// its logs once, and every collector sees the replayed hive (the Run key
// only the logs hold) as when each replays it on its own; the recovery
// note is reported once, by the Windows collector.
func TestDirtyHiveSharedWithItsRecovery(t *testing.T) {
	const rel = "Users/alice/NTUSER.DAT"
	img := filepath.Join(fixture(t), "windows")
	after, err := os.ReadFile(filepath.Join(img, rel))
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "internal/collect/software/windows/testdata/minimal.hive"))
	if err != nil {
		t.Fatal(err)
	}
	primary, log1, log2, err := hivelogtest.Dirty(before, after, hivelogtest.Plan{Seq: 20, Entries: 2, InLog2: 1})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{rel: {Data: primary}, rel + ".LOG1": {Data: log1}, rel + ".LOG2": {Data: log2}}
	alone, _, _ := offerHive(t, fsys, rel, false)
	shared, opens, _ := offerHive(t, fsys, rel, true)
	if opens != 1 || !reflect.DeepEqual(alone, shared) {
		t.Errorf("opened %d times; alone %+v\nshared %+v", opens, alone, shared)
	}
	runs, notes := 0, 0
	for _, a := range shared.Artifacts {
		if a.Mechanism == snapshot.MechRunKey {
			runs++
		}
	}
	for _, e := range shared.Errors {
		if strings.Contains(e.Err, "log entries applied") {
			notes++
		}
	}
	if runs == 0 || notes != 1 {
		t.Errorf("%d Run-key entries (want some, from the logs), %d recovery notes (want 1): %+v", runs, notes, shared.Errors)
	}
}

func offerHive(t *testing.T, fsys fs.FS, rel string, share bool) (*collecttest.Sink, int, int) {
	cfs := &countingFS{FS: fsys, opens: map[string]int{}}
	env := collecttest.ImageEnv(cfs, "windows")
	ctx := context.Background()
	if share {
		ctx = collect.WithSharedScope(ctx)
	}
	sink := &collecttest.Sink{}
	wanted := 0
	for _, c := range hiveCollectors() {
		if !c.WantsPath(env, rel) {
			continue
		}
		wanted++
		if err := c.CollectPath(ctx, env, rel, sink); err != nil {
			t.Fatal(fmt.Errorf("%s: %w", c.Name(), err))
		}
	}
	return sink, cfs.opens[rel], wanted
}
