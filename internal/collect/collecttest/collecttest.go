// Package collecttest helps test collectors: a Sink that records what they
// report, and a walk that offers files the way the collection engine does.
package collecttest

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

// Sink records what collectors report. It is safe for concurrent use and
// implements collect.Sink and collect.AnomalySink.
type Sink struct {
	mu        sync.Mutex
	Software  []snapshot.Software
	Artifacts []snapshot.Artifact
	Errors    []snapshot.PathError
	Anomalies map[string][]snapshot.Anomaly // by relative path
}

func (s *Sink) AddSoftware(sw snapshot.Software) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Software = append(s.Software, sw)
}

func (s *Sink) AddArtifact(a snapshot.Artifact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Artifacts = append(s.Artifacts, a)
}

func (s *Sink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Errors = append(s.Errors, snapshot.PathError{Path: rel, Stage: stage, Err: err.Error()})
}

func (s *Sink) AddAnomaly(rel string, a snapshot.Anomaly) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Anomalies == nil {
		s.Anomalies = map[string][]snapshot.Anomaly{}
	}
	s.Anomalies[rel] = append(s.Anomalies[rel], a)
}

// Walk offers every regular file of env.FS to c, as the collection engine
// does, reporting into sink, and returns the paths c wanted.
func Walk(t testing.TB, env *collect.Env, c collect.PathCollector, sink collect.Sink) []string {
	t.Helper()
	var wanted []string
	err := fs.WalkDir(env.FS, ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !c.WantsPath(env, rel) {
			return err
		}
		wanted = append(wanted, rel)
		return c.CollectPath(context.Background(), env, rel, sink)
	})
	if err != nil {
		t.Fatal(err)
	}
	if pf, ok := c.(collect.PathFinisher); ok { // as the engine does after its walk
		if err := pf.FinishPaths(context.Background(), env, sink); err != nil {
			t.Fatal(err)
		}
	}
	return wanted
}

// ImageEnv is an Env over fsys as an image of osName rooted at "/".
func ImageEnv(fsys fs.FS, osName string) *collect.Env {
	return &collect.Env{FS: fsys, OS: osName, Now: time.Unix(0, 0),
		Display: func(rel string) string { return "/" + rel }}
}

// Run walks env with c and returns what it reported, software sorted by
// install path.
func Run(t testing.TB, env *collect.Env, c collect.PathCollector) *Sink {
	t.Helper()
	sink := &Sink{}
	Walk(t, env, c, sink)
	sort.Slice(sink.Software, func(i, j int) bool {
		return sink.Software[i].InstallPath < sink.Software[j].InstallPath
	})
	return sink
}
