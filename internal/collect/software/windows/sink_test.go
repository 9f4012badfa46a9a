package windows

import (
	"context"
	"io/fs"
	"sort"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// memSink keeps what collectors report.
type memSink struct {
	mu       sync.Mutex
	software []snapshot.Software
	errs     []snapshot.PathError
}

func (s *memSink) AddSoftware(sw snapshot.Software) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.software = append(s.software, sw)
}

func (s *memSink) AddArtifact(snapshot.Artifact) {}

func (s *memSink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, snapshot.PathError{Path: rel, Stage: stage, Err: err.Error()})
}

// sorted returns the software ordered by Source.
func (s *memSink) sorted() []snapshot.Software {
	out := append([]snapshot.Software(nil), s.software...)
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

// walk offers every regular file of env.FS to c, as the scan engine does,
// and returns the paths it wanted.
func walk(t *testing.T, c collect.PathCollector, env *collect.Env, sink collect.Sink) []string {
	t.Helper()
	var wanted []string
	err := fs.WalkDir(env.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !c.WantsPath(env, p) {
			return err
		}
		wanted = append(wanted, p)
		return c.CollectPath(context.Background(), env, p, sink)
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return wanted
}
