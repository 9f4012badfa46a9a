package codesign

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/testkit"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

type sink struct {
	mu        sync.Mutex
	errs      []string
	anomalies map[string][]snapshot.Anomaly
}

func (s *sink) AddSoftware(snapshot.Software) {}
func (s *sink) AddArtifact(snapshot.Artifact) {}
func (s *sink) AddError(rel, stage string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, rel+" "+stage+" "+err.Error())
}

type anomalySink struct{ sink }

func (s *anomalySink) AddAnomaly(rel string, a snapshot.Anomaly) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.anomalies == nil {
		s.anomalies = map[string][]snapshot.Anomaly{}
	}
	s.anomalies[rel] = append(s.anomalies[rel], a)
}

func TestSealCollector(t *testing.T) {
	env := &collect.Env{FS: os.DirFS(testkit.Dir(t)), OS: "macos"}
	var c collect.PathCollector = SealCollector{}
	for rel, want := range map[string]bool{
		"macho/Broken.app/Contents/_CodeSignature/CodeResources":            true,
		"Applications/X.app/Contents/Frameworks/Y.framework/_CodeSignature": false,
		".app/Contents/_CodeSignature/CodeResources":                        false,
		"macho/Broken.app/Contents/Info.plist":                              false,
	} {
		if c.WantsPath(env, rel) != want {
			t.Errorf("WantsPath(%q) = %v", rel, !want)
		}
	}
	as := &anomalySink{}
	if err := c.CollectPath(context.Background(), env, "macho/Broken.app/Contents/_CodeSignature/CodeResources", as); err != nil {
		t.Fatal(err)
	}
	exe := "macho/Broken.app/Contents/MacOS/3CX Desktop App"
	if got := as.anomalies[exe]; len(got) != 1 || got[0].Kind != "bundle-seal-broken" || len(as.errs) != 0 {
		t.Fatalf("anomalies %+v, errors %v", as.anomalies, as.errs)
	}
	plain := &sink{}
	if err := c.CollectPath(context.Background(), env, "macho/Added.app/Contents/_CodeSignature/CodeResources", plain); err != nil {
		t.Fatal(err)
	}
	if len(plain.errs) != 1 || !strings.Contains(plain.errs[0], "bundle-seal-broken") {
		t.Fatalf("fallback errors %v", plain.errs)
	}
	clean := &anomalySink{}
	if err := c.CollectPath(context.Background(), env, "macho/App.app/Contents/_CodeSignature/CodeResources", clean); err != nil || len(clean.anomalies) != 0 {
		t.Fatalf("clean bundle: %v %+v", err, clean.anomalies)
	}
	if err := c.CollectPath(context.Background(), env, "macho/None.app/Contents/_CodeSignature/CodeResources", clean); err == nil {
		t.Error("missing bundle accepted")
	}
}
