// Package finding is the model of what matching produced: findings with their
// reasons, evidence, score and context. It is a leaf package (standard
// library only).
package finding

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Schema is the version tag of a serialized finding.
const Schema = "cascade.finding/v1"

// Level is the severity band a score falls in.
type Level string

// Levels, from most to least severe.
const (
	Alert   Level = "alert"
	Warning Level = "warning"
	Notice  Level = "notice"
	Info    Level = "info"
)

// LevelOf maps a score 0–100 to its level: alert ≥ 80, warning ≥ 60,
// notice ≥ 40, info below.
func LevelOf(score int) Level {
	switch {
	case score >= 80:
		return Alert
	case score >= 60:
		return Warning
	case score >= 40:
		return Notice
	}
	return Info
}

// Finding is one piece of evidence on one host that matched intel. All the
// reasons that hit the same evidence are gathered in one finding.
type Finding struct {
	ID       string    `json:"id"`
	Host     string    `json:"host"`
	Title    string    `json:"title"`
	Score    int       `json:"score"`
	Level    Level     `json:"level"`
	Incident *Incident `json:"incident,omitempty"`
	Evidence Evidence  `json:"evidence"`
	Reasons  []Reason  `json:"reasons"`
	// Remediation is what to do about it, from the advisory or incident.
	Remediation string `json:"remediation,omitempty"`
	// ExposedSince is the earliest time the evidence itself proves (an
	// install date, a download's or visit's time, a file's modification
	// time), and ExposedBy says which evidence proves it. Zero when no
	// evidence carries a time.
	ExposedSince time.Time `json:"exposed_since,omitzero"`
	ExposedBy    string    `json:"exposed_by,omitempty"`
	// FirstSeen and LastSeen are when cascade saw the evidence: the scan's
	// time, or on the server the first and last inventory that held it.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// Context is evidence that proves nothing on its own (a file every
	// install of the product has) joined to this finding of its incident.
	Context []Context `json:"context,omitempty"`
	// Suppressed names the false-positive list that suppressed the finding,
	// when suppressed findings are asked for.
	Suppressed string `json:"suppressed,omitempty"`
	// RanSince is the earliest time execution evidence (a Prefetch run
	// time, a BAM or UserAssist last run) shows the evidence's program
	// running on the host, and RanBy names that evidence. Zero when none
	// does.
	RanSince time.Time `json:"ran_since,omitzero"`
	RanBy    string    `json:"ran_by,omitempty"`

	// Running is set when the evidence was running at the scan: a process
	// whose image or loaded module matched, or a connection to a matched
	// address.
	Running *Running `json:"running,omitempty"`
}

// Running is what a live sweep saw running: the process (the lowest pid
// when several ran the same image), since when, and how many there were.
type Running struct {
	PID       int       `json:"pid"`
	Since     time.Time `json:"since,omitzero"`
	Image     string    `json:"image,omitempty"`
	Processes int       `json:"processes,omitempty"`
	// Module is the matched file when it is a library the process loaded,
	// not its image.
	Module string `json:"module,omitempty"`
	// Remote is a matched connection's remote address and port.
	Remote string `json:"remote,omitempty"`
}

// String is the phrase reports show: "running now (pid 42, since
// 2026-12-07T01:00:00Z)".
func (r *Running) String() string {
	s := "running now (pid " + strconv.Itoa(r.PID)
	if !r.Since.IsZero() {
		s += ", since " + r.Since.UTC().Format(time.RFC3339)
	}
	if r.Processes > 1 {
		s += ", " + strconv.Itoa(r.Processes) + " processes"
	}
	return s + ")"
}

// Incident is the campaign context a finding belongs to.
type Incident struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Actors []string `json:"actors,omitempty"`
}

// Evidence kinds.
const (
	EvidenceFile     = "file"
	EvidenceSoftware = "software"
	EvidenceArtifact = "artifact"
	// EvidenceProcess is a running process whose image or module matched.
	EvidenceProcess = "process"
)

// Evidence is what was observed, and where.
type Evidence struct {
	Kind    string `json:"kind"`
	Path    string `json:"path,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	SHA1    string `json:"sha1,omitempty"`
	MD5     string `json:"md5,omitempty"`
	Size    int64  `json:"size,omitempty"`
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
	User    string `json:"user,omitempty"`
	Signer  string `json:"signer,omitempty"`
	// Source says where the record came from (registry key, dpkg status,
	// browser history file).
	Source       string     `json:"source,omitempty"`
	ArtifactKind string     `json:"artifact_kind,omitempty"`
	URL          string     `json:"url,omitempty"`
	Domain       string     `json:"domain,omitempty"`
	IP           string     `json:"ip,omitempty"`
	Time         *time.Time `json:"time,omitempty"`
	// Mechanism is how a persistence entry starts its program
	// (snapshot.Artifact.Mechanism); Command the program and arguments.
	Mechanism string `json:"mechanism,omitempty"`
	Command   string `json:"command,omitempty"`
}

// Reason is one indicator or advisory that matched the evidence.
type Reason struct {
	// Kind is the indicator type (sha256, filename, domain, …), "advisory",
	// or an anomaly kind.
	Kind        string `json:"kind"`
	IndicatorID string `json:"indicator_id,omitempty"`
	// Matched is the indicator's value or pattern that matched.
	Matched     string   `json:"matched"`
	Description string   `json:"description,omitempty"`
	Score       int      `json:"score"`
	Source      string   `json:"source"`
	References  []string `json:"references,omitempty"`
	// Context marks an indicator of a name or path every install of a
	// product has: it never makes a finding on its own (see JoinContext).
	Context bool `json:"context,omitempty"`
}

// Context is one piece of context evidence joined to a finding, with the
// reasons it matched and the time it proves.
type Context struct {
	Evidence     Evidence  `json:"evidence"`
	Reasons      []Reason  `json:"reasons"`
	ExposedSince time.Time `json:"exposed_since,omitzero"`
	ExposedBy    string    `json:"exposed_by,omitempty"`
}

// ContextOnly reports whether every reason of the finding is context.
func (f *Finding) ContextOnly() bool {
	for _, r := range f.Reasons {
		if !r.Context {
			return false
		}
	}
	return len(f.Reasons) > 0
}

// Expose moves the finding's exposure start back to t when t is earlier
// (or the finding has none yet), naming the evidence by.
func (f *Finding) Expose(t time.Time, by string) {
	if t.IsZero() || (!f.ExposedSince.IsZero() && !t.Before(f.ExposedSince)) {
		return
	}
	f.ExposedSince, f.ExposedBy = t, by
}

// Label is the reason in one phrase: its kind and what matched, or the
// kind alone when that is all that matched (an anomaly matches by kind:
// "signature-padding", not "signature-padding signature-padding"). sep
// goes between the two.
func (r Reason) Label(sep string) string {
	if r.Matched == "" || r.Matched == r.Kind {
		return r.Kind
	}
	return r.Kind + sep + r.Matched
}

// Combine sets the finding's score from its reasons: the strongest reason
// decides, weak reasons never add up to a strong one. Reasons are ordered
// strongest first.
func (f *Finding) Combine() {
	slices.SortStableFunc(f.Reasons, func(a, b Reason) int { return cmp.Compare(b.Score, a.Score) })
	f.Score = 0
	if len(f.Reasons) > 0 {
		f.Score = f.Reasons[0].Score
	}
	f.Level = LevelOf(f.Score)
}

// Sort orders findings most severe first, then by incident, then by title
// and evidence path, so output is stable.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(incidentID(a), incidentID(b)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Title, b.Title); c != 0 {
			return c
		}
		return cmp.Compare(a.Evidence.Path+a.Evidence.URL, b.Evidence.Path+b.Evidence.URL)
	})
}

func incidentID(f Finding) string {
	if f.Incident == nil {
		return ""
	}
	return f.Incident.ID
}
