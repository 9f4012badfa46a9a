package macos

import (
	"io/fs"
	"sort"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
)

// imageEnv is an Env over fsys as a macos image rooted at "/".
func imageEnv(fsys fs.FS) *collect.Env {
	return &collect.Env{FS: fsys, OS: "macos", Now: time.Unix(0, 0),
		Display: func(rel string) string { return "/" + rel }}
}

// runWalk offers every regular file to c the way the engine does and
// returns what it reported, software sorted by install path.
func runWalk(t *testing.T, env *collect.Env, c collect.PathCollector) *collecttest.Sink {
	t.Helper()
	sink := &collecttest.Sink{}
	collecttest.Walk(t, env, c, sink)
	sort.Slice(sink.Software, func(i, j int) bool {
		return sink.Software[i].InstallPath < sink.Software[j].InstallPath
	})
	return sink
}
