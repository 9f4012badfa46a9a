package match

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// RunningBump is the score "running now" adds to the finding of what was
// running (a process image or module, a connection's address), capped at
// 100: a running match outranks the same file on disk, and an installed
// file at warning becomes an alert once it is seen running.
const RunningBump = 20

// runningSource is the Source of the reason a live sweep adds.
const runningSource = "cascade live sweep"

// running is one matched file seen running, by path.
type running struct {
	path   string
	module bool
	image  string // the process's image (when path is a module)
	sha256 string
	pid    int
	since  *time.Time
	procs  int
}

// matchRunning makes a finding at its own, higher level for each image or
// module path of a running process that matched: through the file's own
// finding (digest, name, path, signer) when the snapshot holds its
// record, else through a record of its path alone (a deleted image still
// matches by name and by the digest the sweep noted).
func (s *Set) matchRunning(host string, snap *snapshot.Snapshot, files []finding.Finding, at time.Time) []finding.Finding {
	byPath := map[string]*finding.Finding{}
	for i := range files {
		if files[i].Evidence.Kind == finding.EvidenceFile && !files[i].ContextOnly() {
			byPath[files[i].Evidence.Path] = &files[i]
		}
	}
	seen := map[string]*running{}
	var order []string
	note := func(path string, r running) {
		if cur, ok := seen[path]; ok {
			cur.procs++
			if r.pid < cur.pid {
				cur.pid, cur.since, cur.image = r.pid, r.since, r.image
			}
			return
		}
		r.path, r.procs = path, 1
		seen[path] = &r
		order = append(order, path)
	}
	for i := range snap.Artifacts {
		p := snap.Artifacts[i].Process
		if p == nil {
			continue
		}
		if p.Image != "" {
			note(p.Image, running{image: p.Image, sha256: p.SHA256, pid: p.PID, since: p.Start})
		}
		for _, m := range p.Modules {
			note(m, running{module: true, image: p.Image, pid: p.PID, since: p.Start})
		}
	}
	var out []finding.Finding
	for _, path := range order {
		r := seen[path]
		fd, ok := byPath[path]
		if !ok {
			f, hit := s.FileFinding(host, &snapshot.File{Path: path, SHA256: r.sha256}, at)
			if !hit || f.ContextOnly() {
				continue
			}
			fd = &f
		}
		out = append(out, runningFinding(host, *fd, r))
	}
	return out
}

// runningFinding turns a file's finding into the finding of its running
// process: the same reasons and one more, "running-now", RunningBump
// above the strongest.
func runningFinding(host string, fd finding.Finding, r *running) finding.Finding {
	sum := sha256.Sum256([]byte(host + "\x00process:" + r.path))
	fd.ID = hex.EncodeToString(sum[:8])
	fd.Evidence.Kind = finding.EvidenceProcess
	fd.Evidence.Source = "pid " + strconv.Itoa(r.pid)
	fd.Context = nil
	run := &finding.Running{PID: r.pid, Image: r.image, Processes: r.procs}
	if r.module {
		run.Module = r.path
	}
	if r.since != nil {
		run.Since = r.since.UTC()
		fd.Expose(run.Since, "process started")
	}
	fd.Running = run
	bump(&fd, "pid "+strconv.Itoa(r.pid), run.String())
	return fd
}

// bump adds the running-now reason and rescores the finding.
func bump(fd *finding.Finding, matched, desc string) {
	top := 0
	for _, r := range fd.Reasons {
		top = max(top, r.Score)
	}
	fd.Reasons = append(slices.Clone(fd.Reasons), finding.Reason{Kind: "running-now", Matched: matched,
		Description: desc, Score: min(100, top+RunningBump), Source: runningSource})
	fd.Combine()
}

// runningConnection marks a matched connection's finding as running now.
// Its identity is the connection's, not its source table's.
func runningConnection(host string, fd *finding.Finding, a *snapshot.Artifact) {
	c := a.Conn
	run := &finding.Running{PID: c.PID, Image: c.Image, Remote: a.IP + ":" + strconv.Itoa(a.Port)}
	sum := sha256.Sum256([]byte(host + "\x00connection:" + c.Protocol + "\x00" + run.Remote + "\x00" + c.Image))
	fd.ID = hex.EncodeToString(sum[:8])
	fd.Running = run
	owner := "owner unknown"
	if c.PID != 0 {
		owner = "pid " + strconv.Itoa(c.PID)
	}
	bump(fd, run.Remote, "connected now: "+c.Protocol+" "+c.LocalIP+":"+strconv.Itoa(c.LocalPort)+
		" → "+run.Remote+" "+c.State+" ("+owner+")")
}

// processFinding matches one process record on its own, as the server
// matches stored observations: its image by path and the digest the
// sweep noted, else its first module that matches by path. Match does
// better with a whole snapshot (matchRunning): the modules' own records
// and several processes of one image.
func (s *Set) processFinding(host string, p *snapshot.Process, at time.Time) (finding.Finding, bool) {
	r := &running{path: p.Image, image: p.Image, sha256: p.SHA256, pid: p.PID, since: p.Start, procs: 1}
	cands := append([]string{p.Image}, p.Modules...)
	for i, path := range cands {
		if path == "" {
			continue
		}
		f := snapshot.File{Path: path}
		if i == 0 {
			f.SHA256 = p.SHA256
		}
		fd, ok := s.FileFinding(host, &f, at)
		if !ok || fd.ContextOnly() {
			continue
		}
		if i > 0 {
			r.path, r.module, r.sha256 = path, true, ""
		}
		return runningFinding(host, fd, r), true
	}
	return finding.Finding{}, false
}
