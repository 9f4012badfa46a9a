package match

import (
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

func execSet(t *testing.T) *Set {
	t.Helper()
	in := testIntel(t)
	in.Indicators = append(in.Indicators, intel.Indicator{ID: "sha1-x", Type: intel.SHA1,
		Value: "9f6e2eb95e943dd16bac495548e9ff248a9d81a3", Score: 90, Description: "test X_TRADER", Sources: []string{"test"}})
	s, err := Compile(in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExecutionArtifacts: an Amcache SHA-1 is a finding though no file
// exists; an execution record's path is matched like a file's; a bare
// program name that intel does not name (svchost) is no finding; and the
// Prefetch run time dates every finding on the same program.
func TestExecutionArtifacts(t *testing.T) {
	ran := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	key := ran.Add(10 * time.Second)
	snap := &snapshot.Snapshot{Host: snapshot.Host{Name: "h", CollectedAt: at}, Artifacts: []snapshot.Artifact{
		{Kind: snapshot.ArtifactAmcacheFile, Path: `c:\users\a\downloads\x_trader.exe`, SHA1: "9F6E2EB95E943DD16BAC495548E9FF248A9D81A3",
			Source: "Amcache.hve", FirstSeen: &key, TimeFrom: "key last-write"},
		{Kind: snapshot.ArtifactPrefetch, Name: "X_TRADER.EXE", Path: `\VOLUME{1}\USERS\A\DOWNLOADS\X_TRADER.EXE`,
			Source: "X_TRADER.EXE-1.pf", FirstSeen: &ran, LastSeen: &ran, RunTimes: []time.Time{ran}},
		{Kind: snapshot.ArtifactPrefetch, Name: "SVCHOST.EXE", Path: `\VOLUME{1}\WINDOWS\SYSTEM32\SVCHOST.EXE`,
			Source: "SVCHOST.EXE-2.pf", FirstSeen: &ran},
		{Kind: snapshot.ArtifactShimcache, Path: `C:\ProgramData\TPM\x.exe`, Source: "SYSTEM", LastSeen: &ran},
		{Kind: snapshot.ArtifactPrefetch, Name: "Y.EXE", Path: `\VOLUME{01d2-1234}\PROGRAMDATA\TPM\Y.EXE`, Source: "Y.EXE-3.pf", FirstSeen: &ran},
		{Kind: snapshot.ArtifactBAM, Path: `\Device\HarddiskVolume3\ProgramData\TPM\z.exe`, Source: "SYSTEM bam", User: "S-1", LastSeen: &ran},
		{Kind: snapshot.ArtifactShimcache, Path: `C:\Windows\System32\svchost.exe`, Source: "SYSTEM", LastSeen: &ran},
	}}
	fs := execSet(t).Match(snap)
	var got []string
	for _, f := range fs {
		got = append(got, f.Evidence.ArtifactKind+" "+f.Evidence.Path)
		if strings.Contains(strings.ToLower(f.Evidence.Path), "svchost") {
			t.Errorf("decoy finding %+v", f)
		}
		if f.Evidence.ArtifactKind == snapshot.ArtifactAmcacheFile {
			if !f.RanSince.Equal(ran) || !strings.HasPrefix(f.RanBy, "Prefetch run time") || !f.ExposedSince.Equal(ran) {
				t.Errorf("amcache finding ran since %v by %q, exposed %v", f.RanSince, f.RanBy, f.ExposedSince)
			}
			if !strings.Contains(f.Reasons[0].Description, "Amcache entry") || f.Evidence.SHA1 == "" {
				t.Errorf("amcache finding %+v does not name its entry and digest", f)
			}
			if strings.HasPrefix(f.Title, "Download") {
				t.Errorf("title %q", f.Title)
			}
		}
	}
	if len(fs) != 4 {
		t.Errorf("findings %q, want the Amcache SHA-1 and the ProgramData\\TPM Shimcache, Prefetch and BAM paths", got)
	}
}
