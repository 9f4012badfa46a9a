package match

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// isExecution reports the artifact kinds that record a program that ran
// or was present (Amcache, Prefetch, Shimcache, BAM, UserAssist).
func isExecution(kind string) bool {
	switch kind {
	case snapshot.ArtifactAmcacheFile, snapshot.ArtifactAmcacheProgram, snapshot.ArtifactPrefetch,
		snapshot.ArtifactShimcache, snapshot.ArtifactBAM, snapshot.ArtifactUserAssist:
		return true
	}
	return false
}

// matchExecution matches an execution record like the file it names: the
// SHA-1 Amcache recorded (the file itself may be long gone) against SHA-1
// indicators, and the program's full path against file-name and path
// indicators. Only the path is matched, not a bare executable name, so
// a Prefetch file of SVCHOST.EXE is a finding only when intel names
// that path.
func (s *Set) matchExecution(rs *reasons, a *snapshot.Artifact, at time.Time) {
	if !isExecution(a.Kind) {
		return
	}
	if a.SHA1 != "" {
		before := len(rs.list)
		s.matchDigest(rs, intel.SHA1, strings.ToLower(a.SHA1), at)
		if len(rs.list) > before {
			rs.explain("Amcache entry " + a.Path + " sha1 " + a.SHA1 + ": the file was on this host, even if it is gone now")
		}
	}
	if a.Path != "" {
		s.names.match(driveForm(a.Path), func(i int) { rs.add(s, i, "", at) })
	}
}

// driveForm rewrites a volume-relative path as Prefetch (\VOLUME{…}\) and
// BAM (\Device\HarddiskVolumeN\) write it with a drive letter, so path
// indicators (which match any drive letter) apply: the letter itself is
// not known and "C:" only stands for "some drive".
func driveForm(p string) string {
	for _, prefix := range []string{`\VOLUME{`, `\Device\HarddiskVolume`} {
		if len(p) > len(prefix) && strings.EqualFold(p[:len(prefix)], prefix) {
			if i := strings.IndexByte(p[len(prefix):], '\\'); i >= 0 {
				return "C:" + p[len(prefix)+i:]
			}
		}
	}
	return p
}

// ranSince dates the findings whose program the execution evidence shows
// running: each finding on a file or execution record whose file name is
// that of a program with Prefetch run times or a BAM or UserAssist last
// run gets the earliest such time as RanSince, and as its exposure when
// earlier. Names compare without case; Prefetch keeps at most 29
// characters of a name, so a 29-character name matches by prefix.
func ranSince(fs []finding.Finding, arts []snapshot.Artifact) {
	ptrs := make([]*finding.Finding, len(fs))
	for i := range fs {
		ptrs[i] = &fs[i]
	}
	DateRuns(ptrs, arts)
}

// DateRuns is ranSince for callers that hold findings apart from their
// snapshot (the server matches observations one by one): arts are one
// host's artifacts, fs that host's findings.
func DateRuns(fs []*finding.Finding, arts []snapshot.Artifact) {
	type ran struct {
		t    time.Time
		by   string
		prio int // at equal times a Prefetch run time (a run, not a last run) names the proof
	}
	runs := map[string]ran{}
	note := func(name string, t *time.Time, by string) {
		name = strings.ToLower(name)
		if name == "" || t == nil || t.IsZero() {
			return
		}
		prio := 0
		if strings.HasPrefix(by, "Prefetch") {
			prio = 1
		}
		if r, ok := runs[name]; !ok || t.Before(r.t) || t.Equal(r.t) && prio > r.prio {
			runs[name] = ran{*t, by, prio}
		}
	}
	for i := range arts {
		a := &arts[i]
		switch a.Kind {
		case snapshot.ArtifactPrefetch:
			note(a.Name, a.FirstSeen, "Prefetch run time ("+a.Source+")")
		case snapshot.ArtifactBAM:
			note(baseName(a.Path), a.LastSeen, "BAM last execution ("+a.Source+")")
		case snapshot.ArtifactUserAssist:
			note(baseName(a.Path), a.LastSeen, "UserAssist last run ("+a.Source+")")
		}
	}
	if len(runs) == 0 {
		return
	}
	for _, f := range fs {
		if f.Evidence.Kind == finding.EvidenceArtifact && !isExecution(f.Evidence.ArtifactKind) || f.Evidence.Path == "" {
			continue
		}
		name := strings.ToLower(baseName(f.Evidence.Path))
		r, ok := runs[name]
		if !ok && len(name) > 29 {
			r, ok = runs[name[:29]]
		}
		if !ok {
			continue
		}
		f.RanSince, f.RanBy = r.t, r.by
		f.Expose(r.t, r.by)
	}
}

// runRank orders the execution records of one program for mergeRuns: the
// record that proves most leads (an Amcache file entry holds the file's
// SHA-1; Prefetch counts runs; BAM and UserAssist date a last run;
// Shimcache and an Amcache program entry only show the program was there).
var runRank = map[string]int{
	snapshot.ArtifactAmcacheFile:    0,
	snapshot.ArtifactPrefetch:       1,
	snapshot.ArtifactBAM:            2,
	snapshot.ArtifactUserAssist:     3,
	snapshot.ArtifactShimcache:      4,
	snapshot.ArtifactAmcacheProgram: 5,
}

// mergeRuns folds the execution records of one program into one finding.
// A trojanized installer that ran once leaves an Amcache entry, a Prefetch
// file, a Shimcache entry, a BAM and a UserAssist value; five findings
// would read as five things to chase. Records of one program (the same
// full path, its drive letter and volume form aside, without case) on one
// host and under one incident (or none) become one finding: the strongest
// (highest score, then by runRank) keeps its own reasons and the others
// join it as context entries, each with its evidence, reasons and
// exposure. Records whose path is not a full path (UserAssist's
// known-folder GUIDs) stay findings of their own.
func mergeRuns(fs []finding.Finding) []finding.Finding {
	groups := map[[3]string][]int{}
	var keys [][3]string
	for i := range fs {
		f := &fs[i]
		e := &f.Evidence
		if e.Kind != finding.EvidenceArtifact || !isExecution(e.ArtifactKind) || f.ContextOnly() {
			continue
		}
		p := runPathKey(e.Path)
		if p == "" {
			continue
		}
		k := [3]string{f.Host, incidentOf(f), p}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	drop := make([]bool, len(fs))
	merged := false
	for _, k := range keys {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		lead := g[0]
		for _, i := range g[1:] {
			if runBefore(&fs[i], &fs[lead]) {
				lead = i
			}
		}
		rest := slices.DeleteFunc(slices.Clone(g), func(i int) bool { return i == lead })
		slices.SortStableFunc(rest, func(a, b int) int {
			return cmp.Or(cmp.Compare(runRank[fs[a].Evidence.ArtifactKind], runRank[fs[b].Evidence.ArtifactKind]),
				cmp.Compare(fs[a].Evidence.Path, fs[b].Evidence.Path), cmp.Compare(fs[a].Evidence.Source, fs[b].Evidence.Source))
		})
		for _, i := range rest {
			fs[lead].AddContext(&fs[i])
			drop[i] = true
		}
		merged = true
	}
	if !merged {
		return fs
	}
	out := fs[:0]
	for i := range fs {
		if !drop[i] {
			out = append(out, fs[i])
		}
	}
	return out
}

// runBefore reports whether a should lead b's merged finding.
func runBefore(a, b *finding.Finding) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return runRank[a.Evidence.ArtifactKind] < runRank[b.Evidence.ArtifactKind]
}

// runPathKey is a program's full path as execution records of it compare:
// in drive-letter form (driveForm), without the letter (the records of
// one volume agree on it only where they name it), lower case; "" when
// the path does not start with a drive.
func runPathKey(p string) string {
	p = driveForm(p)
	if len(p) < 3 || p[1] != ':' || p[2] != '\\' {
		return ""
	}
	return strings.ToLower(p[2:])
}

func incidentOf(f *finding.Finding) string {
	if f.Incident == nil {
		return ""
	}
	return f.Incident.ID
}
