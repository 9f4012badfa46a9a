package windows

import (
	"sort"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/collecttest"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// memSink keeps what collectors report.
type memSink struct{ collecttest.Sink }

// sorted returns the software ordered by Source.
func (s *memSink) sorted() []snapshot.Software {
	out := append([]snapshot.Software(nil), s.Software...)
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// walk offers every regular file of env.FS to c, as the scan engine does,
// and returns the paths it wanted.
func walk(t *testing.T, c collect.PathCollector, env *collect.Env, sink collect.Sink) []string {
	t.Helper()
	return collecttest.Walk(t, env, c, sink)
}
