package match

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/ident"
	"github.com/cascade-ir/cascade/internal/intel"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Match matches a whole snapshot and returns its findings, most severe
// first. It does not modify the snapshot.
func (s *Set) Match(snap *snapshot.Snapshot) []finding.Finding {
	at := snap.Host.CollectedAt
	host := hostLabel(snap.Host)
	out := s.matchFiles(host, snap.Files, at)
	persisted := persistedPrograms(snap)
	markPersisted(out, snap.Host.OS, persisted)
	out = append(out, s.matchRunning(host, snap, out, at)...)
	for i := range snap.Software {
		if f, ok := s.SoftwareFinding(host, &snap.Software[i], at); ok {
			out = append(out, f)
		}
	}
	var files map[string]*snapshot.File
	for i := range snap.Artifacts {
		a := &snap.Artifacts[i]
		if a.Process != nil {
			continue // matchRunning, with the files' own records
		}
		var file *snapshot.File
		if a.ProgramPath != "" && len(persisted) > 0 {
			if files == nil {
				files = filesByPath(snap)
			}
			file = files[pathKey(snap.Host.OS, a.ProgramPath)]
		}
		if f, ok := s.artifactFinding(host, a, file, at); ok {
			out = append(out, f)
		}
	}
	out = append(out, s.matchMulti(host, snap, at)...)
	ranSince(out, snap.Artifacts)
	out = mergeRuns(out)
	out = finding.JoinContext(out)
	finding.Sort(out)
	return out
}

// matchFiles matches files on every core: rows are independent and a
// snapshot can hold hundreds of thousands of them.
func (s *Set) matchFiles(host string, files []snapshot.File, at time.Time) []finding.Finding {
	n := min(runtime.GOMAXPROCS(0), max(1, len(files)/2048))
	parts := make([][]finding.Finding, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for i := w; i < len(files); i += n {
				if f, ok := s.FileFinding(host, &files[i], at); ok {
					parts[w] = append(parts[w], f)
				}
			}
		})
	}
	wg.Wait()
	var out []finding.Finding
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func fileEvidence(f *snapshot.File) finding.Evidence {
	return finding.Evidence{Kind: finding.EvidenceFile, Path: f.Path, SHA256: f.SHA256, SHA1: f.SHA1,
		MD5: f.MD5, Size: f.Size, User: f.User, Signer: signerName(f)}
}

func artifactEvidence(a *snapshot.Artifact, domain string) finding.Evidence {
	ev := finding.Evidence{Kind: finding.EvidenceArtifact, ArtifactKind: a.Kind, URL: a.URL, Domain: domain,
		IP: a.IP, Path: a.TargetPath, User: a.User, Source: a.Source, Time: a.LastSeen,
		Mechanism: a.Mechanism, Command: strings.TrimSpace(a.Command + " " + a.Args)}
	if a.Kind == snapshot.ArtifactPersistence {
		ev.Path = a.ProgramPath
	}
	if ev.Time == nil {
		ev.Time = a.FirstSeen
	}
	if a.Path != "" { // execution evidence: the program's path and digest
		ev.Path, ev.SHA1, ev.Size = a.Path, a.SHA1, a.Size
	}
	return ev
}

func artifactIdentity(a *snapshot.Artifact) string {
	id := "artifact:" + a.Source + "\x00" + a.Kind + "\x00" + a.URL + "\x00" + a.Domain + "\x00" + a.TargetPath
	if a.Path != "" { // execution kinds: many entries share one value or key
		id += "\x00" + a.Path + "\x00" + a.User
	}
	if a.Kind == snapshot.ArtifactPersistence { // one source (a Run key, a crontab) holds many entries
		id += "\x00" + a.Name + "\x00" + a.Command + "\x00" + a.Args
	}
	return id
}

func artifactDomain(a *snapshot.Artifact) string {
	return ident.RecordDomain(a.Domain, a.URL)
}

func hostLabel(h snapshot.Host) string {
	if h.Name != "" {
		return h.Name
	}
	return h.ID
}

// FileFinding matches one file: digests, name and path rules, signers.
func (s *Set) FileFinding(host string, f *snapshot.File, at time.Time) (finding.Finding, bool) {
	var rs reasons
	s.matchDigest(&rs, intel.SHA256, f.SHA256, at)
	s.matchDigest(&rs, intel.SHA1, f.SHA1, at)
	s.matchDigest(&rs, intel.MD5, f.MD5, at)
	s.names.match(f.Path, func(i int) { rs.add(s, i, "", at) })
	s.matchSigners(&rs, f, at)
	if s.stix.active() {
		s.matchRow(&rs, fileRow(f, at, at, s.stix.wantPath), at)
	}
	s.matchYARA(&rs, f, at)
	rs.addAnomalies(f)
	s.matchContentProducts(&rs, f)
	if len(rs.list) == 0 {
		return finding.Finding{}, false
	}
	fd := s.newFinding(host, fileEvidence(f), rs, "file:"+f.Path)
	fd.FirstSeen, fd.LastSeen = at, at // seen by cascade in this inventory
	fd.Expose(fileExposure(f))
	return fd, true
}

// fileExposure is when the file's evidence shows it on this machine: its
// birth where the filesystem keeps one, else its modification time. A
// birth before the mtime is the earlier of the two. A birth after the
// mtime is a file that arrived with an older mtime (a copy, an unpacked
// archive or installer, or an mtime set back): the mtime is the content's
// origin elsewhere, and exposure here starts at the arrival.
func fileExposure(f *snapshot.File) (time.Time, string) {
	switch {
	case f.BirthTime.IsZero():
		return f.ModTime, "file modified"
	case f.BirthTime.After(f.ModTime):
		return f.BirthTime, "file created (after its mtime: copied in)"
	}
	return f.BirthTime, "file created"
}

func (s *Set) matchDigest(rs *reasons, t intel.Type, hexd string, at time.Time) {
	if hexd == "" {
		return
	}
	for _, i := range s.hashes[t][hexd] {
		rs.add(s, i, "", at)
	}
	var raw [32]byte
	n, err := hex.Decode(raw[:], []byte(hexd))
	if err != nil {
		return
	}
	for _, l := range s.lists {
		if l.Type != t {
			continue
		}
		if e, ok := l.Lookup(raw[:n]); ok {
			ind := l.Indicator(e)
			rs.addIndicator(s, &ind, "", at)
		}
	}
}

// ArtifactFinding matches one network or download artifact: domains (the
// host and every parent domain), URLs, and IP addresses.
func (s *Set) ArtifactFinding(host string, a *snapshot.Artifact, at time.Time) (finding.Finding, bool) {
	if a.Process != nil {
		return s.processFinding(host, a.Process, at)
	}
	return s.artifactFinding(host, a, nil, at)
}

// artifactFinding matches an artifact; program, when set, is the file
// record of the program a persistence entry starts, whose digests count
// as the entry's.
func (s *Set) artifactFinding(host string, a *snapshot.Artifact, program *snapshot.File, at time.Time) (finding.Finding, bool) {
	rs := reasons{artifact: !isExecution(a.Kind)} // execution records name files, not downloads
	s.matchProgram(&rs, a, program, at)
	domain := artifactDomain(a)
	uhost, upath, hasURL := splitURL(a.URL)
	note := ""
	if a.Kind == snapshot.ArtifactHostsEntry && isSinkhole(a.IP) {
		note = "sinkhole"
	}
	for d := domain; d != ""; d = parentDomain(d) {
		for _, i := range s.domain[d] {
			rs.add(s, i, note, at)
		}
	}
	if hasURL {
		for _, r := range s.urls {
			if r.matches(uhost, upath) {
				rs.add(s, r.ind, "", at)
			}
		}
	}
	s.matchOrigin(&rs, a, domain, at)
	// The file a download was saved to may be gone; its name still counts.
	if a.TargetPath != "" {
		s.names.match(a.TargetPath, func(i int) { rs.add(s, i, "", at) })
	}
	s.matchExecution(&rs, a, at)
	if s.stix.active() {
		s.matchRow(&rs, artifactRow(a, domain, at, at, s.stix.wantPath), at)
	}
	if addr, err := netip.ParseAddr(a.IP); err == nil && !isSinkhole(a.IP) {
		addr = addr.Unmap()
		for _, i := range s.ips[addr] {
			rs.add(s, i, "", at)
		}
		for _, c := range s.cidrs {
			if c.prefix.Contains(addr) {
				rs.add(s, c.ind, "", at)
			}
		}
	}
	if len(rs.list) == 0 {
		return finding.Finding{}, false
	}
	fd := s.newFinding(host, artifactEvidence(a, domain), rs, artifactIdentity(a))
	fd.FirstSeen, fd.LastSeen = at, at // seen by cascade in this inventory
	if a.Conn != nil {
		runningConnection(host, &fd, a)
	}
	for _, t := range []*time.Time{a.FirstSeen, a.LastSeen} {
		if t != nil {
			fd.Expose(*t, artifactTimeLabel(a))
		}
	}
	return fd, true
}

// isSinkhole reports a hosts-file address that blocks a name rather than
// sending it anywhere.
func isSinkhole(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && (a.IsUnspecified() || a.IsLoopback())
}

func parentDomain(d string) string {
	i := strings.IndexByte(d, '.')
	if i < 0 || !strings.Contains(d[i+1:], ".") {
		return "" // never match a bare TLD
	}
	return d[i+1:]
}

// artifactTimeLabel names the evidence an artifact's time comes from.
func artifactTimeLabel(a *snapshot.Artifact) string {
	what := strings.ReplaceAll(a.Kind, "-", " ")
	switch a.Kind {
	case snapshot.ArtifactBrowserDownload:
		what = "browser download"
	case snapshot.ArtifactBrowserVisit:
		what = "browser visit"
	case snapshot.ArtifactPersistence:
		what = a.Mechanism
	}
	if a.Browser != "" {
		what = a.Browser + " " + strings.TrimPrefix(what, "browser ")
	}
	if a.TimeFrom != "" { // reach artifacts: a file's mtime, a key's last write
		return what + " " + a.TimeFrom
	}
	return what + " time"
}

// newFinding assembles a finding from its reasons.
// Its incident is that of the strongest reason that has one: a stronger
// reason without an incident (a signature anomaly, a generic rule) adds
// weight and a title but never takes the finding out of its incident.
func (s *Set) newFinding(host string, ev finding.Evidence, rs reasons, identity string) finding.Finding {
	sum := sha256.Sum256([]byte(host + "\x00" + identity))
	rs, suppressed := s.supp.filter(rs, ev)
	top := rs.top() // before Combine reorders the reasons
	incident := rs.incident()
	f := finding.Finding{ID: hex.EncodeToString(sum[:8]), Host: host, Evidence: ev, Reasons: rs.list}
	f.Combine()
	if inc := s.in.Incident(incident.incident); inc != nil {
		f.Incident = &finding.Incident{ID: inc.ID, Name: inc.Name, Actors: s.actorNames(inc.Actors)}
		f.Remediation = inc.Remediation
	} else if incident.incident != "" {
		f.Incident = &finding.Incident{ID: incident.incident, Name: incident.incident}
	}
	if top.remediation == "" {
		top.remediation = incident.remediation
	}
	if top.remediation != "" {
		f.Remediation = top.remediation
	}
	f.Title = top.title
	if suppressed != "" {
		f.Suppressed = suppressedBy(suppressed)
	}
	return f
}

func (s *Set) actorNames(ids []string) []string {
	var names []string
	for _, id := range ids {
		if a := s.in.Actor(id); a != nil {
			names = append(names, a.Name)
		} else {
			names = append(names, id)
		}
	}
	return names
}

// reasons gathers the reasons for one piece of evidence, each indicator
// once, remembering the context of the strongest.
type reasons struct {
	artifact bool // the evidence is a network or download record
	list     []finding.Reason
	ctx      []reasonCtx
	seen     map[string]bool
}

type reasonCtx struct {
	incident, title, remediation string
}

func (r *reasons) add(s *Set, i int, note string, at time.Time) {
	r.addIndicator(s, &s.in.Indicators[i], note, at)
}

// addIndicator adds an indicator that matched, unless it is not in force
// at the time or already a reason; it reports whether it added it.
func (r *reasons) addIndicator(s *Set, ind *intel.Indicator, note string, at time.Time) bool {
	if !ind.ActiveAt(at) || r.seen[ind.ID] {
		return false
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[ind.ID] = true
	score, desc := ind.Score, ind.Description
	if note == "sinkhole" {
		score = min(score, 40)
		desc = "blocked in the hosts file (sinkholed), which shows someone knew of it; " + desc
	}
	if note == "origin" {
		desc = "the page the download started from; " + desc
	}
	context := ind.IsContext()
	if context {
		score = min(score, contextMaxScore)
	}
	r.list = append(r.list, finding.Reason{Kind: string(ind.Type), IndicatorID: ind.ID, Matched: matchedValue(ind),
		Description: desc, Score: score, Source: strings.Join(ind.Sources, ", "), References: ind.References,
		Context: context})
	r.ctx = append(r.ctx, reasonCtx{incident: ind.Incident, title: titleFor(ind, r.artifact)})
	return true
}

// addAdvisory adds an advisory that matched the given version, with the
// finding title to use if it is the strongest reason; it reports false when
// the advisory was already a reason.
func (r *reasons) addAdvisory(a *intel.Advisory, version, title string) bool {
	key := "advisory:" + a.ID
	if r.seen[key] {
		return false
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[key] = true
	r.list = append(r.list, finding.Reason{Kind: "advisory", IndicatorID: a.ID,
		Matched: fmt.Sprintf("%s %s", a.Product, version), Description: a.Title, Score: a.Score,
		Source: strings.Join(a.Sources, ", "), References: a.References})
	r.ctx = append(r.ctx, reasonCtx{incident: a.Incident, remediation: a.Remediation, title: title})
	return true
}

// explain adds why the last reason matched to its description.
func (r *reasons) explain(why string) {
	if why == "" || len(r.list) == 0 {
		return
	}
	last := &r.list[len(r.list)-1]
	if last.Description == "" {
		last.Description = why
		return
	}
	last.Description += " (" + why + ")"
}

// top returns the context of the strongest reason (the first added among
// equals).
func (r *reasons) top() reasonCtx {
	best := 0
	for i := range r.list {
		if r.list[i].Score > r.list[best].Score {
			best = i
		}
	}
	return r.ctx[best]
}

// incident returns the context of the strongest reason that names an
// incident (the first added among equals), or an empty one.
func (r *reasons) incident() reasonCtx {
	best := -1
	for i := range r.list {
		if r.ctx[i].incident != "" && (best < 0 || r.list[i].Score > r.list[best].Score) {
			best = i
		}
	}
	if best < 0 {
		return reasonCtx{}
	}
	return r.ctx[best]
}

// contextMaxScore caps a context indicator's score below a notice, so a
// name every install has never makes a finding at the default threshold
// on its own, whatever score its intel gives it.
const contextMaxScore = finding.Corroborated - 10

func matchedValue(ind *intel.Indicator) string {
	if ind.Pattern != "" {
		return ind.Pattern
	}
	return ind.Value
}

func titleFor(ind *intel.Indicator, artifact bool) string {
	d := ind.Description
	if d == "" {
		d = ind.Value
	}
	switch ind.Type {
	case intel.SHA256, intel.SHA1, intel.MD5:
		return "Known file: " + d
	case intel.Domain:
		return "Contact with " + ind.Value + ": " + d
	case intel.URL:
		return "Visit or download of " + ind.Value + ": " + d
	case intel.IP:
		return "Contact with " + ind.Value + ": " + d
	case intel.Filename, intel.Path:
		if artifact {
			return "Download saved under a known name: " + d
		}
		return "Suspicious file location: " + d
	case intel.Signer:
		return "Signed by an abused certificate: " + d
	}
	return d
}
