package windows

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/cascade-ir/cascade/internal/collect"
)

// TestSharedHiveWalkedConcurrently: within one scope the hive is loaded
// once, and concurrent walks of it (each with its own budget) see the same
// keys; run with -race.
func TestSharedHiveWalkedConcurrently(t *testing.T) {
	data := []byte(readFile(t, "testdata/seed/software.hive"))
	env := &collect.Env{FS: fstest.MapFS{softwareRel: {Data: data}}, OS: "windows"}
	ctx := collect.WithSharedScope(context.Background())
	first, err := LoadHive(ctx, env, softwareRel)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Go(func() {
			h, err := LoadHive(ctx, env, softwareRel)
			if err != nil || h != first {
				t.Errorf("load %d: %p, %v; want the shared %p", i, h, err, first)
				return
			}
			err = h.Walk(func(root *Key) error {
				u, err := root.Open(uninstallPath...)
				if u == nil {
					return err
				}
				subs, err := u.Subkeys()
				counts[i] = len(subs)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, n := range counts {
		if n == 0 || n != counts[0] {
			t.Fatalf("walk %d saw %d Uninstall entries, walk 0 saw %d", i, n, counts[0])
		}
	}
}
