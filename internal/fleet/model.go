package fleet

import (
	"log/slog"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Host roles a tracer can follow a compromise through. Other roles are
// allowed (lower-case letters, digits and dashes).
const (
	RoleWorkstation = "workstation"
	RoleBuild       = "build"
	RoleServer      = "server"
	RoleRelease     = "release"
)

// Host is one machine or image the server keeps history for.
type Host struct {
	ID int64 `json:"id"`
	// UID is the host's own stable id (the machine id, or an image id).
	UID       string    `json:"uid"`
	Name      string    `json:"name"`
	OS        string    `json:"os"`
	OSVersion string    `json:"os_version,omitempty"`
	Arch      string    `json:"arch,omitempty"`
	Source    string    `json:"source,omitempty"`
	Roles     []string  `json:"roles"`
	Created   time.Time `json:"created"`
	// LastSeen is the collection time of the last accepted snapshot.
	LastSeen   time.Time `json:"last_seen,omitzero"`
	LastUpload time.Time `json:"last_upload,omitzero"`
	SnapshotID string    `json:"snapshot_id,omitempty"`
	Snapshots  int       `json:"snapshots"`
	// Counts of what is on the host now.
	Software  int `json:"software"`
	Files     int `json:"files"`
	Artifacts int `json:"artifacts"`
	// OpenFindings counts findings present now and not triaged away.
	OpenFindings int `json:"open_findings"`
	// Stale is set by the server when the host stopped reporting.
	Stale bool `json:"stale"`
	// EnrollRefused counts enrollments refused because this host id was
	// taken (a stolen enrollment token claiming the host), the last at
	// EnrollRefusedAt.
	EnrollRefused   int       `json:"enroll_refused,omitempty"`
	EnrollRefusedAt time.Time `json:"enroll_refused_at,omitzero"`
}

// Observation kinds.
const (
	ObsSoftware = "software"
	ObsFile     = "file"
	ObsArtifact = "artifact"
)

// Observation is one item seen on a host over an interval: from the first
// snapshot that had it to the last one. Present means the latest snapshot
// still has it (LastSeen is then the host's last snapshot time).
type Observation struct {
	ID        int64     `json:"id"`
	HostID    int64     `json:"host_id"`
	Kind      string    `json:"kind"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Present   bool      `json:"present"`
	// GoneAt is the time of the first snapshot without the item.
	GoneAt   time.Time          `json:"gone_at,omitzero"`
	Software *snapshot.Software `json:"software,omitempty"`
	File     *snapshot.File     `json:"file,omitempty"`
	Artifact *snapshot.Artifact `json:"artifact,omitempty"`
}

// Finding states.
const (
	StateNew           = "new"
	StateAcknowledged  = "acknowledged"
	StateFalsePositive = "false_positive"
	StateResolved      = "resolved"
)

// ValidState reports whether s is a finding state.
func ValidState(s string) bool {
	switch s {
	case StateNew, StateAcknowledged, StateFalsePositive, StateResolved:
		return true
	}
	return false
}

// Finding is a stored finding: the matcher's finding plus the host it is
// on, the exposure window (FirstSeen/LastSeen: when the evidence was on
// the host), whether it is there now, and its triage state.
type Finding struct {
	finding.Finding
	HostID  int64  `json:"host_id"`
	HostUID string `json:"host_uid"`
	Present bool   `json:"present"`
	State   string `json:"state"`
	// StateReason is required for a false positive.
	StateReason string    `json:"state_reason,omitempty"`
	StateBy     string    `json:"state_by,omitempty"`
	StateAt     time.Time `json:"state_at,omitzero"`
	// DetectedAt is when the server first raised the finding; Origin says
	// how ("snapshot" or "hunt:<id>").
	DetectedAt time.Time `json:"detected_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Origin     string    `json:"origin"`
	// Retracted is set when the intel that raised the finding was revoked
	// or removed; such findings are hidden unless asked for.
	Retracted bool `json:"retracted,omitempty"`
	// Assignee is who the finding is assigned to (issue 23); the server
	// fills it in from the triage assignments.
	Assignee string `json:"assignee,omitempty"`
}

// FindingEvent is one change of a finding's state.
type FindingEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
}

// Incident is a compromise as it affects the fleet.
type Incident struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Summary     string   `json:"summary,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	Actors      []string `json:"actors,omitempty"`
	References  []string `json:"references,omitempty"`
	// Sources name who the intel says reported it (names, not ids).
	Sources []string `json:"sources,omitempty"`
	// Related are the incidents the intel ties this one to.
	Related   []RelatedIncident `json:"related,omitempty"`
	HostsNow  int               `json:"hosts_now"`
	HostsEver int               `json:"hosts_ever"`
	Findings  int               `json:"findings"`
	MaxScore  int               `json:"max_score"`
	// ExposedSince is the earliest time any of its findings' evidence
	// proves (install date, download time, file mtime); FirstSeen is when
	// cascade first saw any of it.
	ExposedSince time.Time `json:"exposed_since,omitzero"`
	FirstSeen    time.Time `json:"first_seen,omitzero"`
	LastSeen     time.Time `json:"last_seen,omitzero"`
}

// RelatedIncident is an incident tied to another in the intel: how
// ("initial access came from", "led to"; "related" when the intel does
// not say) and the public source that says so.
type RelatedIncident struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
	Source   string `json:"source,omitempty"`
}

// SnapshotInfo is the record of one accepted snapshot (its content lives
// on as observations).
type SnapshotInfo struct {
	ID          string           `json:"id"`
	HostID      int64            `json:"host_id"`
	UploadID    string           `json:"upload_id"`
	CollectedAt time.Time        `json:"collected_at"`
	ReceivedAt  time.Time        `json:"received_at"`
	Kind        string           `json:"kind"` // full | delta | import
	Opened      int              `json:"opened"`
	Closed      int              `json:"closed"`
	Collector   string           `json:"collector,omitempty"`
	Stats       snapshot.Stats   `json:"stats"`
	Skipped     map[string]int64 `json:"skipped,omitempty"`
	Errors      int              `json:"errors"`
}

// IntelDoc is one intel document the server holds (an import, a feed, a
// file from the watched folder).
type IntelDoc struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Origin string `json:"origin"` // upload | feed:<id> | folder
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Counts are indicators by type, plus advisories.
	Counts     map[string]int `json:"counts,omitempty"`
	Sources    []string       `json:"sources,omitempty"`
	ImportedAt time.Time      `json:"imported_at"`
	ImportedBy string         `json:"imported_by,omitempty"`
}

// Hunt statuses.
const (
	HuntPending = "pending"
	HuntRunning = "running"
	HuntDone    = "done"
	HuntFailed  = "failed"
)

// Hunt is a durable retro-hunt job over every host's history, started by
// an intel change.
type Hunt struct {
	ID           int64     `json:"id"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason"`
	IntelVersion int64     `json:"intel_version"`
	Created      time.Time `json:"created"`
	Started      time.Time `json:"started,omitzero"`
	Finished     time.Time `json:"finished,omitzero"`
	// Phase and Cursor say how far it got (it resumes there after a crash).
	Phase      int    `json:"phase"`
	Cursor     string `json:"cursor,omitempty"`
	Candidates int64  `json:"candidates"`
	// Findings counts the findings the hunt made appear: created, or
	// confirmed again after a retraction. Existing findings it confirms
	// are not counted, nor one finding twice.
	Findings  int64  `json:"findings"`
	Retracted int64  `json:"retracted"`
	Error     string `json:"error,omitempty"`
	Spec      []byte `json:"-"`
}

// Roles of API tokens.
const (
	TokenAdmin   = "admin"
	TokenAnalyst = "analyst"
	TokenAgent   = "agent"
	TokenEnroll  = "enroll"
	// TokenTAXII may use the TAXII server only, in the collections it
	// was granted (a customer's or a partner's credential).
	TokenTAXII = "taxii"
)

// Token describes an API credential; the secret itself is never stored.
type Token struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	HostID    int64     `json:"host_id,omitempty"`
	HostRoles []string  `json:"host_roles,omitempty"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires,omitzero"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Revoked   bool      `json:"revoked"`
	// UsesLeft caps enrollments (-1: unlimited).
	UsesLeft int    `json:"uses_left"`
	By       string `json:"created_by,omitempty"`
}

// AuditEntry is one recorded administrative or triage action.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   string    `json:"role"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail,omitempty"`
	Remote string    `json:"remote,omitempty"`
}

// Feed kinds: a URL polled for one intel document, a TAXII 2.1 collection,
// a MISP instance's event search.
const (
	FeedURL   = "url"
	FeedTAXII = "taxii"
	FeedMISP  = "misp"
)

// Feed is an intel source the server polls. Its credential never leaves
// the server: JSON and logs show only which kind is set.
type Feed struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// URL is the document URL (url), the API root URL (taxii) or the
	// instance's base URL (misp).
	URL string `json:"url"`
	// Collection is the TAXII collection id (taxii only).
	Collection string     `json:"collection,omitempty"`
	Secret     FeedSecret `json:"-"`
	Auth       string     `json:"auth"` // what Secret holds: none, basic, bearer, misp-key; unreadable
	// CredentialError says why the stored credential could not be
	// decrypted (no or another feed key); the feed is not polled.
	CredentialError string     `json:"credential_error,omitempty"`
	Policy          FeedPolicy `json:"policy"`
	Interval        Duration   `json:"interval"`
	Created         time.Time  `json:"created"`
	LastFetch       time.Time  `json:"last_fetch,omitzero"`
	LastOK          time.Time  `json:"last_ok,omitzero"`
	LastError       string     `json:"last_error,omitempty"`
	Failures        int        `json:"failures,omitempty"` // consecutive failed polls (the back-off)
	ETag            string     `json:"-"`
	Modified        string     `json:"-"`
	NextAt          time.Time  `json:"next_at,omitzero"`
	// Cursor is where the next poll resumes: the last
	// X-TAXII-Date-Added-Last (taxii) or event timestamp, or a MISP walk
	// under way as "since,page,latest" (misp).
	Cursor string `json:"cursor,omitempty"`
	// Sighted is what was last reported upstream per finding (opaque to
	// all but the server's sighting publisher).
	Sighted string `json:"-"`
}

// FeedPolicy is what a feed may send back upstream; everything is off by
// default.
type FeedPolicy struct {
	// SightingsCollection is the TAXII collection (in the feed's API root)
	// that receives STIX sightings of this feed's indicators; "" is off.
	SightingsCollection string `json:"sightings_collection,omitempty"`
	// MISPSightings pushes sightings of matched attributes to the MISP
	// instance (misp feeds).
	MISPSightings bool `json:"misp_sightings,omitempty"`
	// HostNames lets a sighting name the hosts where it was seen.
	HostNames bool `json:"host_names,omitempty"`
}

// FeedSecret is a feed's credential. It formats and logs as "[redacted]"
// so a stray %v or slog attribute cannot print it.
type FeedSecret struct {
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	Token    string `json:"token,omitempty"` // bearer token
	Key      string `json:"key,omitempty"`   // MISP auth key
}

// Kind names what the secret holds.
func (s FeedSecret) Kind() string {
	switch {
	case s.Key != "":
		return "misp-key"
	case s.Token != "":
		return "bearer"
	case s.User != "" || s.Password != "":
		return "basic"
	}
	return "none"
}

func (s FeedSecret) String() string   { return "[redacted]" }
func (s FeedSecret) GoString() string { return "[redacted]" }

// LogValue keeps the secret out of structured logs.
func (s FeedSecret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Release is a build output with its digest: where the tracer will start
// from a suspect build host to the releases it produced and the customers
// that received them. Stored now; tracing is not built yet.
type Release struct {
	ID          int64     `json:"id"`
	Product     string    `json:"product"`
	Version     string    `json:"version"`
	SHA256      string    `json:"sha256"`
	BuildHostID int64     `json:"build_host_id,omitempty"`
	ReleasedAt  time.Time `json:"released_at,omitzero"`
	Notes       string    `json:"notes,omitempty"`
}
