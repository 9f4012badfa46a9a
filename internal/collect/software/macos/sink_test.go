package macos

import (
	"context"
	"io/fs"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// testSink records what a collector reports.
type testSink struct {
	mu        sync.Mutex
	software  []snapshot.Software
	artifacts []snapshot.Artifact
	errs      []snapshot.PathError
}

func (s *testSink) AddSoftware(sw snapshot.Software) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.software = append(s.software, sw)
}

func (s *testSink) AddArtifact(a snapshot.Artifact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.artifacts = append(s.artifacts, a)
}

func (s *testSink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, snapshot.PathError{Path: rel, Stage: stage, Err: err.Error()})
}

// imageEnv is an Env over fsys as a macOS image rooted at "/".
func imageEnv(fsys fs.FS) *collect.Env {
	return &collect.Env{FS: fsys, OS: "macos", Now: time.Unix(0, 0),
		Display: func(rel string) string { return "/" + rel }}
}

// runWalk offers every regular file to c the way the engine does and
// returns what it reported, software sorted by install path.
func runWalk(t *testing.T, env *collect.Env, c collect.PathCollector) *testSink {
	t.Helper()
	sink := &testSink{}
	err := fs.WalkDir(env.FS, ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !c.WantsPath(env, rel) {
			return err
		}
		return c.CollectPath(context.Background(), env, rel, sink)
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(sink.software, func(i, j int) bool {
		return sink.software[i].InstallPath < sink.software[j].InstallPath
	})
	return sink
}
