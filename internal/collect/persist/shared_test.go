package persist

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/collect/execart"
	"github.com/cascade-ir/cascade/internal/collect/reach"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
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
			alone, opensAlone, wanted := offerHive(t, img, rel, false)
			shared, opensShared, _ := offerHive(t, img, rel, true)
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

func offerHive(t *testing.T, img, rel string, share bool) (*collecttest.Sink, int, int) {
	cfs := &countingFS{FS: os.DirFS(img), opens: map[string]int{}}
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
