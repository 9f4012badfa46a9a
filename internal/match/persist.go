package match

import (
	"fmt"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// matchProgram matches the program a persistence entry starts: its file
// name and path against name and path indicators (the file may be gone),
// and the digests of its file record when the walk met it.
func (s *Set) matchProgram(rs *reasons, a *snapshot.Artifact, program *snapshot.File, at time.Time) {
	if a.Kind != snapshot.ArtifactPersistence {
		return
	}
	if p := firstNonEmpty(a.ProgramPath, a.Command); p != "" {
		s.names.match(p, func(i int) { rs.add(s, i, "", at) })
	}
	if program != nil {
		s.matchDigest(rs, intel.SHA256, program.SHA256, at)
		s.matchDigest(rs, intel.SHA1, program.SHA1, at)
		s.matchDigest(rs, intel.MD5, program.MD5, at)
	}
}

// matchOrigin matches the page a download came from (quarantine
// OriginURLString, Zone.Identifier ReferrerUrl) when its host is not the
// download's own.
func (s *Set) matchOrigin(rs *reasons, a *snapshot.Artifact, domain string, at time.Time) {
	if a.OriginURL == "" {
		return
	}
	host, upath, ok := splitURL(a.OriginURL)
	if !ok || host == domain {
		return
	}
	for d := host; d != ""; d = parentDomain(d) {
		for _, i := range s.domain[d] {
			rs.add(s, i, "origin", at)
		}
	}
	for _, r := range s.urls {
		if r.matches(host, upath) {
			rs.add(s, r.ind, "origin", at)
		}
	}
}

// persistedPrograms maps the program paths persistence entries start
// (keyed as pathKey does) to the entries naming each.
func persistedPrograms(snap *snapshot.Snapshot) map[string][]*snapshot.Artifact {
	var out map[string][]*snapshot.Artifact
	for i := range snap.Artifacts {
		a := &snap.Artifacts[i]
		if a.Kind != snapshot.ArtifactPersistence || a.ProgramPath == "" {
			continue
		}
		if out == nil {
			out = map[string][]*snapshot.Artifact{}
		}
		k := pathKey(snap.Host.OS, a.ProgramPath)
		out[k] = append(out[k], a)
	}
	return out
}

// markPersisted notes on each file finding whose file persistence entries
// start how it persists ("run-key FixUpd, scheduled-task \Updater"), so
// the report says "persists via …"; Command is the first entry's.
func markPersisted(fs []finding.Finding, osName string, persisted map[string][]*snapshot.Artifact) {
	if len(persisted) == 0 {
		return
	}
	for i := range fs {
		e := &fs[i].Evidence
		as := persisted[pathKey(osName, e.Path)]
		if len(as) == 0 || e.Kind != finding.EvidenceFile {
			continue
		}
		var via []string
		for j, a := range as {
			if j == 8 {
				via = append(via, fmt.Sprintf("%d more", len(as)-j))
				break
			}
			via = append(via, a.Mechanism+" "+firstNonEmpty(a.Name, a.Source))
		}
		e.Mechanism = strings.Join(via, ", ")
		e.Command = strings.TrimSpace(as[0].Command + " " + as[0].Args)
	}
}

// filesByPath indexes file records by pathKey.
func filesByPath(snap *snapshot.Snapshot) map[string]*snapshot.File {
	m := make(map[string]*snapshot.File, len(snap.Files))
	for i := range snap.Files {
		m[pathKey(snap.Host.OS, snap.Files[i].Path)] = &snap.Files[i]
	}
	return m
}

// pathKey is a path as a map key: Windows paths without regard to case.
func pathKey(osName, p string) string {
	if osName == "windows" || strings.Contains(p, `\`) {
		return strings.ToLower(p)
	}
	return p
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
