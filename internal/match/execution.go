package match

import (
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
