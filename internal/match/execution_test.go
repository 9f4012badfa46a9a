package match

import (
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
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

// TestMergeRuns: the execution records of one program on one host and
// under one incident become one finding, whatever volume form their paths
// take; other programs, hosts, incidents and paths that are not full paths
// stay apart; the lead and the order of the joined records do not depend
// on the input's order.
func TestMergeRuns(t *testing.T) {
	t0 := time.Date(2022, 4, 12, 9, 30, 0, 0, time.UTC)
	xt := &finding.Incident{ID: "xtrader-2022"}
	rec := func(kind, path, host string, inc *finding.Incident, score int, ts time.Time) finding.Finding {
		return finding.Finding{Host: host, Incident: inc, Score: score,
			Evidence: finding.Evidence{Kind: finding.EvidenceArtifact, ArtifactKind: kind, Path: path, Source: kind + " source"},
			Reasons:  []finding.Reason{{Kind: "path", Score: score}}, ExposedSince: ts, ExposedBy: kind}
	}
	amc := rec(snapshot.ArtifactAmcacheFile, `c:\users\a\downloads\x_trader.exe`, "h", xt, 90, t0.Add(10*time.Second))
	pf := rec(snapshot.ArtifactPrefetch, `\VOLUME{01d2-1234}\USERS\A\DOWNLOADS\X_TRADER.EXE`, "h", xt, 70, t0)
	bam := rec(snapshot.ArtifactBAM, `\Device\HarddiskVolume3\Users\a\Downloads\x_trader.exe`, "h", xt, 70, t0.Add(5*time.Second))
	shim := rec(snapshot.ArtifactShimcache, `D:\Users\a\Downloads\X_TRADER.exe`, "h", xt, 70, t0.Add(-5*time.Minute))
	ua := rec(snapshot.ArtifactUserAssist, `{374DE290-123F-4565-9164-39C4925E467B}\x_trader.exe`, "h", xt, 70, t0)
	other := rec(snapshot.ArtifactPrefetch, `\VOLUME{1}\PROGRAMDATA\TPM\Y.EXE`, "h", xt, 70, t0)
	otherHost := rec(snapshot.ArtifactBAM, `\Device\HarddiskVolume3\Users\a\Downloads\x_trader.exe`, "h2", xt, 70, t0)
	noInc := rec(snapshot.ArtifactShimcache, `C:\Users\a\Downloads\x_trader.exe`, "h", nil, 30, t0)
	file := finding.Finding{Host: "h", Incident: xt, Score: 70, Evidence: finding.Evidence{Kind: finding.EvidenceFile, Path: `C:\Users\a\Downloads\x_trader.exe`}}

	tests := []struct {
		name string
		in   []finding.Finding
		want []string // lead kind: joined kinds
	}{
		{"one program, four volume forms", []finding.Finding{shim, pf, bam, amc},
			[]string{"amcache-file: prefetch,bam,shimcache"}},
		{"order does not matter", []finding.Finding{amc, bam, shim, pf},
			[]string{"amcache-file: prefetch,bam,shimcache"}},
		{"equal scores: the run record leads", []finding.Finding{shim, bam, pf},
			[]string{"prefetch: bam,shimcache"}},
		{"kept apart", []finding.Finding{pf, ua, other, otherHost, noInc, file},
			[]string{"prefetch: ", "userassist: ", "prefetch: ", "bam: ", "shimcache: ", ": "}},
		{"single record", []finding.Finding{bam}, []string{"bam: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]finding.Finding, len(tt.in))
			for i := range tt.in {
				in[i] = tt.in[i]
				in[i].Context = nil
			}
			var got []string
			for _, f := range mergeRuns(in) {
				var joined []string
				for _, c := range f.Context {
					joined = append(joined, c.Evidence.ArtifactKind)
				}
				got = append(got, f.Evidence.ArtifactKind+": "+strings.Join(joined, ","))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("merged %q, want %q", got, tt.want)
			}
		})
	}

	// The merged finding keeps the lead's evidence and reasons and is
	// exposed since the earliest of its records (the Shimcache time).
	fs := mergeRuns([]finding.Finding{pf, amc, shim})
	if len(fs) != 1 || fs[0].Evidence.SHA1 != amc.Evidence.SHA1 || fs[0].Score != 90 ||
		!fs[0].ExposedSince.Equal(shim.ExposedSince) || fs[0].ExposedBy != snapshot.ArtifactShimcache {
		t.Errorf("merged %+v", fs)
	}
}
