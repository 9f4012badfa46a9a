package linux

import (
	"testing"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/source"
	"github.com/cascade-ir/cascade/internal/testutil"
)

// fixtureEnv runs linux.sh with args and opens the tree as the engine
// would.
func fixtureEnv(t *testing.T, args ...string) *collect.Env {
	t.Helper()
	root := testutil.Fixture(t, "linux.sh", args...)
	src, err := source.Open(root, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if src.OS != source.Linux || src.Kind != source.Image {
		t.Fatalf("fixture opened as %s %s, want a Linux image", src.OS, src.Kind)
	}
	return &collect.Env{FS: src.FS(), OS: src.OS, Display: src.Display, TempDir: t.TempDir()}
}

// brief is the part of a record the fixture tests compare.
type brief struct {
	Name, Version, Arch, Source, Origin string
}

func briefs(sw []snapshot.Software) map[string]brief {
	out := map[string]brief{}
	for _, s := range sw {
		out[s.Name] = brief{s.Name, s.Version, s.Arch, s.SourcePackage, s.Source}
	}
	return out
}

// checkCommon checks the fields every record of one collector shares.
func checkCommon(t *testing.T, sw []snapshot.Software, ecosystem string) {
	t.Helper()
	for _, s := range sw {
		if s.Ecosystem != ecosystem || s.Platform != "linux" || s.Scope != "machine" || s.Identifier != s.Name {
			t.Errorf("%s: ecosystem %q platform %q scope %q identifier %q", s.Name, s.Ecosystem, s.Platform, s.Scope, s.Identifier)
		}
	}
}
