package scan

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
)

// TestPackageCachesLiveOnly: package caches are skipped on a live source
// (here a plain directory, with a configured cache directory), never in an
// image, and not at all without SkipPackageCaches.
func TestPackageCachesLiveOnly(t *testing.T) {
	live := t.TempDir()
	put(t, live, "gomodcache/x@v1/testdata/evil.exe")
	put(t, live, "src/app/main.go")
	image := t.TempDir()
	put(t, image, "etc/os-release")
	put(t, image, "home/u/go/pkg/mod/x@v1/testdata/evil.exe")
	tests := []struct {
		name           string
		root           string
		on             bool
		files, skipped int64
	}{
		{"live", live, true, 1, 1},
		{"live, no default excludes", live, false, 2, 0},
		{"image", image, true, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Inventory(context.Background(), Options{Roots: []string{tt.root},
				SkipPackageCaches: tt.on, CacheDirs: []string{filepath.Join(live, "gomodcache")}})
			if err != nil {
				t.Fatal(err)
			}
			s := res[0].Snapshot
			if s.Stats.FilesSeen != tt.files || s.Skipped[collect.SkipPackageCache] != tt.skipped {
				t.Errorf("%d files, skipped %v; want %d files, %d package caches", s.Stats.FilesSeen, s.Skipped, tt.files, tt.skipped)
			}
		})
	}
}

func put(t *testing.T, root, rel string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
		t.Fatal(err)
	}
}
