package macos

import (
	"io/fs"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
)

func imageEnv(fsys fs.FS) *collect.Env { return collecttest.ImageEnv(fsys, "macos") }

func runWalk(t *testing.T, env *collect.Env, c collect.PathCollector) *collecttest.Sink {
	return collecttest.Run(t, env, c)
}
