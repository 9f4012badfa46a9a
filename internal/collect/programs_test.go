package collect

import (
	"context"
	"strings"
	"testing"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// wantPath asks for a record of opt/hidden/prog (in an excluded tree) and
// of a program that is not there, when it meets etc/job.
type wantPath struct{}

func (wantPath) Name() string                      { return "want" }
func (wantPath) WantsPath(_ *Env, rel string) bool { return rel == "etc/job" }
func (wantPath) CollectPath(_ context.Context, _ *Env, _ string, sink Sink) error {
	sink.(FileWanter).WantFile("opt/hidden/prog")
	sink.(FileWanter).WantFile("opt/gone")
	sink.(FileWanter).WantFile("etc/seen")
	return nil
}

// TestWantFileRecordsWhatTheWalkLeftOut: a program a persistence entry
// names is hashed although its tree is excluded; one the walk met keeps
// its single record; one that is gone is no record and no error.
func TestWantFileRecordsWhatTheWalkLeftOut(t *testing.T) {
	root := t.TempDir()
	write(t, root, "etc/job", "run /opt/hidden/prog")
	write(t, root, "etc/seen", "seen")
	write(t, root, "opt/hidden/prog", fakePE("implant"))
	for _, keep := range []bool{false, true} {
		opt := Options{Digests: Digests{SHA256: true}, Exclude: []string{"/opt/hidden"}, PathCollectors: []PathCollector{wantPath{}}}
		if keep {
			opt.Keep = func(f *snapshot.File) bool { return f.SHA256 == sum(fakePE("implant")) }
		}
		snap := collectDir(t, root, opt)
		files := byPath(snap)
		if f := files["/opt/hidden/prog"]; f.SHA256 != sum(fakePE("implant")) || f.Type != snapshot.TypePE {
			t.Errorf("keep=%v: the excluded program's record: %+v", keep, f)
		}
		n := 0
		for _, f := range snap.Files {
			if strings.HasSuffix(f.Path, "/etc/seen") {
				n++
			}
		}
		if want := map[bool]int{false: 1, true: 0}[keep]; n != want {
			t.Errorf("keep=%v: %d records of a file the walk met, want %d", keep, n, want)
		}
		if _, ok := files["/opt/gone"]; ok || len(snap.Errors) != 0 {
			t.Errorf("keep=%v: a program that is gone: %v", keep, snap.Errors)
		}
	}
}
