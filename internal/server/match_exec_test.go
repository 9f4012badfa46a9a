package server

import (
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/match"
	"github.com/cascade-ir/cascade/internal/snapshot"
	"github.com/cascade-ir/cascade/internal/store"
)

// TestMatchObsDatesRuns: the server matches observations one by one, yet
// a Prefetch record uploaded with an Amcache entry dates the Amcache
// finding (ran_since) on the same host only.
func TestMatchObsDatesRuns(t *testing.T) {
	in := &intel.Intel{Sources: []intel.Source{{ID: "t", Name: "t", Kind: "cascade"}},
		Indicators: []intel.Indicator{{ID: "s", Type: intel.SHA1, Value: "9f6e2eb95e943dd16bac495548e9ff248a9d81a3", Score: 90, Sources: []string{"t"}}}}
	set, err := match.Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	ran := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ob := func(host string, a snapshot.Artifact) store.Obs {
		return store.Obs{HostUID: host, Observation: fleet.Observation{Kind: "artifact", LastSeen: now, Artifact: &a}}
	}
	amcache := snapshot.Artifact{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\d\x_trader.exe`,
		SHA1: "9f6e2eb95e943dd16bac495548e9ff248a9d81a3", Source: "Amcache.hve"}
	pf := snapshot.Artifact{Kind: snapshot.ArtifactPrefetch, Name: "X_TRADER.EXE", Path: `\VOLUME{1}\D\X_TRADER.EXE`,
		Source: "X_TRADER.EXE-1.pf", FirstSeen: &ran, LastSeen: &ran}
	hits := matchObs(set, []store.Obs{ob("h1", amcache), ob("h1", pf), ob("h2", amcache)})
	if len(hits) != 2 {
		t.Fatalf("%d hits", len(hits))
	}
	for _, h := range hits {
		want := time.Time{}
		if h.Finding.Host == "h1" {
			want = ran
		}
		if !h.Finding.RanSince.Equal(want) {
			t.Errorf("%s: ran since %v, want %v", h.Finding.Host, h.Finding.RanSince, want)
		}
	}
}
