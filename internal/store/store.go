// Package store is the fleet server's storage: hosts with roles, every
// host's software, files and artifacts as observations with time intervals,
// findings with their exposure windows and triage state, intel documents,
// durable hunt jobs, credentials, feeds, the audit log and releases. The
// Store interface has two implementations, store/sqlite (embedded, the
// default) and store/postgres (shared by several server replicas); both
// pass the conformance suite in store/storetest.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/cascade-ir/cascade/internal/finding"
	"github.com/cascade-ir/cascade/internal/fleet"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Errors callers act on; implementations wrap them with context.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: an optimistic check failed (the intel version moved, a
	// lease was lost); the caller retries.
	ErrConflict = errors.New("conflict")
	// ErrBaseMismatch: a delta's base is not the host's last snapshot, or
	// the state after applying it differs from the agent's.
	ErrBaseMismatch = errors.New("delta does not apply to the host's last snapshot")
	// ErrStale: the snapshot is not newer than the host's last one.
	ErrStale = errors.New("snapshot is not newer than the host's last accepted snapshot")
	// ErrUnavailable: the database cannot be reached.
	ErrUnavailable = errors.New("database unavailable")
	// ErrExists: a unique name is taken.
	ErrExists = errors.New("already exists")
	// ErrInvalidToken: an enrollment token is unknown, expired, revoked or
	// used up.
	ErrInvalidToken = errors.New("token unknown, expired, revoked or used up")
	// ErrHostEnrolled: an enrollment claimed the id of a host the server
	// already has, with a token not bound to that host. Nothing changed
	// but the host's count of refused enrollments.
	ErrHostEnrolled = errors.New("host id already enrolled")
	// ErrFull: the database's storage is full (SQLite SQLITE_FULL,
	// PostgreSQL disk_full, ENOSPC); nothing was written.
	ErrFull = errors.New("database storage full")
)

// Store is the fleet server's storage. Every method is safe for concurrent
// use; several processes may share one PostgreSQL store.
type Store interface {
	Engine() string
	Close() error
	// SchemaVersion is the migration level of the database.
	SchemaVersion(ctx context.Context) (int, error)

	Hosts
	Ingester
	Findings
	Intel
	Hunts
	Auth
	Feeds
	Traces
	TAXII
	Searcher
	Alerts
	Users
	Triage
	YARAHunts
	Audit(ctx context.Context, e fleet.AuditEntry) error
	AuditLog(ctx context.Context, limit int, beforeID int64) ([]fleet.AuditEntry, error)
	AddRelease(ctx context.Context, r fleet.Release) (fleet.Release, error)
	Releases(ctx context.Context, sha256 string) ([]fleet.Release, error)
}

// HostQuery filters a host listing.
type HostQuery struct {
	// Search matches the name or uid (substring, case-insensitive).
	Search string
	Role   string
	Limit  int
	Offset int
}

// ObsQuery selects a host's observations of one kind.
type ObsQuery struct {
	HostID int64
	Kind   string
	// History includes observations that are gone; otherwise only
	// present ones.
	History bool
	Search  string
	Limit   int
	Offset  int
}

// Hosts keeps machines, their roles and their observations.
type Hosts interface {
	// EnsureHost returns the host with h.ID as uid, creating it (with
	// roles) when new; facts (name, OS) are updated.
	EnsureHost(ctx context.Context, h snapshot.Host, roles []string, now time.Time) (fleet.Host, error)
	Host(ctx context.Context, id int64) (fleet.Host, error)
	HostByUID(ctx context.Context, uid string) (fleet.Host, error)
	ListHosts(ctx context.Context, q HostQuery) ([]fleet.Host, int, error)
	SetHostRoles(ctx context.Context, id int64, roles []string) error
	Observations(ctx context.Context, q ObsQuery) ([]fleet.Observation, error)
	Snapshots(ctx context.Context, hostID int64, limit int) ([]fleet.SnapshotInfo, error)
	// ObservationsAfter lists every host's observations of one kind, gone
	// ones included, with ids above afterID, by id, at most limit (default
	// 1000, at most 10000): a caller walks the whole table page by page
	// (the tracer's graph) without holding it in memory twice.
	ObservationsAfter(ctx context.Context, kind string, afterID int64, limit int) ([]Obs, error)
}

// Incoming is one snapshot to store for a host.
type Incoming struct {
	HostID   int64
	UploadID string
	// Kind is full, delta or import. For a delta, Snapshot holds the
	// header and the added records only.
	Kind     string
	Snapshot *snapshot.Snapshot
	Base     string
	Remove   fleet.Removed
	Digest   fleet.Digest
	Received time.Time
}

// Snapshot kinds.
const (
	KindFull   = "full"
	KindDelta  = "delta"
	KindImport = "import"
)

// Obs is an observation handed to the matcher, with its host's identity.
type Obs struct {
	fleet.Observation
	HostUID  string
	HostName string
}

// At is the time to match the observation at: when it was last seen.
func (o *Obs) At() time.Time { return o.LastSeen }

// Hit is one finding the matcher made from one observation.
type Hit struct {
	Finding finding.Finding
	HostID  int64
	ObsID   int64
	ObsKind string
	// Indicators are the ids of the indicators and advisories
	// ("advisory:<id>") behind the finding, for rechecks when intel is
	// revoked.
	Indicators []string
}

// MatchFunc matches observations with the intel at the given version. The
// store calls it inside the transaction that stores a snapshot, holding
// the intel version steady until the transaction ends.
type MatchFunc func(ctx context.Context, intelVersion int64, obs []Obs) ([]Hit, error)

// Ingester stores snapshots as observation changes, atomically.
type Ingester interface {
	// Ingest applies one snapshot in one transaction: observations opened,
	// extended or closed, the new ones matched by match, their findings
	// stored, the host updated. A repeated upload id returns the first
	// result with Duplicate set and changes nothing.
	Ingest(ctx context.Context, in *Incoming, match MatchFunc) (fleet.UploadResult, error)
}

// FindingQuery filters a findings listing.
type FindingQuery struct {
	HostID   int64
	Incident string
	// Unattributed keeps findings that belong to no incident (Incident
	// is then ignored).
	Unattributed bool
	States       []string
	MinScore     int
	// PresentOnly keeps findings whose evidence is on the host now.
	PresentOnly bool
	// Retracted includes findings whose intel was withdrawn.
	Retracted bool
	Search    string
	Limit     int
	Offset    int
	// Assignee keeps findings assigned to this name.
	Assignee string
}

// Findings keeps stored findings and their triage.
type Findings interface {
	ListFindings(ctx context.Context, q FindingQuery) ([]fleet.Finding, int, error)
	Finding(ctx context.Context, id string) (fleet.Finding, error)
	FindingEvidence(ctx context.Context, id string) ([]Obs, error)
	FindingEvents(ctx context.Context, id string) ([]fleet.FindingEvent, error)
	SetFindingState(ctx context.Context, id, state, reason, actor string, now time.Time) (fleet.Finding, error)
	// Incidents summarizes findings by incident id ("" for findings
	// without one); false positives and retracted findings do not count.
	Incidents(ctx context.Context) ([]fleet.Incident, error)
}

// IntelChange is one atomic change to the server's intel, with the hunt it
// starts. It applies only if the intel version is still ExpectVersion.
type IntelChange struct {
	ExpectVersion int64
	Put           *IntelDocument
	Delete        string
	Revoke        *Revocation
	Unrevoke      string
	// HuntReason and HuntSpec describe the retro-hunt to queue; no hunt
	// when HuntSpec is nil.
	HuntReason string
	HuntSpec   []byte
	Now        time.Time
}

// IntelDocument is a stored intel document with its content.
type IntelDocument struct {
	fleet.IntelDoc
	Content []byte
}

// Revocation withdraws one indicator or advisory ("advisory:<id>")
// server-wide.
type Revocation = fleet.Revocation

// Intel keeps intel documents and the version counter every change bumps.
type Intel interface {
	IntelVersion(ctx context.Context) (int64, error)
	IntelDocs(ctx context.Context, content bool) ([]IntelDocument, error)
	Revocations(ctx context.Context) ([]Revocation, error)
	// ApplyIntelChange returns the new version and the queued hunt's id
	// (0 without one); ErrConflict when the version moved.
	ApplyIntelChange(ctx context.Context, c IntelChange) (version, huntID int64, err error)
}

// CandidateQuery selects observations a retro-hunt must confirm. Exactly
// one selector is used per call.
type CandidateQuery struct {
	Kind string
	// DigestType (sha256, sha1, md5) with Digests selects files.
	DigestType string
	Digests    [][]byte
	// Products selects software by normalized name or identifier.
	Products []string
	// Domains selects artifacts on a domain or any subdomain of it.
	Domains []string
	IPs     []string
	// HostID selects every observation of Kind one host ever had, open
	// or gone, in id order.
	HostID int64
	// Scan selects every observation of Kind with id > AfterID. With a
	// Limit, selectors (at most 100) are paged the same way, by id.
	Scan    bool
	AfterID int64
	Limit   int
}

// HuntCommit records a batch of a hunt's work atomically: its findings,
// retractions and progress. It fails with ErrConflict when the intel
// version is no longer IntelVersion or the lease was lost.
type HuntCommit struct {
	HuntID       int64
	Owner        string
	IntelVersion int64
	Phase        int
	Cursor       string
	Candidates   int64
	Hits         []Hit
	// Rechecked are findings re-evaluated in this batch; those without a
	// hit are retracted.
	Rechecked []string
	Done      bool
	Now       time.Time
	Lease     time.Duration
}

// Hunts keeps durable retro-hunt jobs.
type Hunts interface {
	ListHunts(ctx context.Context, limit int) ([]fleet.Hunt, error)
	Hunt(ctx context.Context, id int64) (fleet.Hunt, error)
	// ClaimHunt leases the oldest unfinished hunt whose lease expired.
	ClaimHunt(ctx context.Context, owner string, now time.Time, lease time.Duration) (*fleet.Hunt, error)
	CommitHunt(ctx context.Context, c HuntCommit) error
	FailHunt(ctx context.Context, id int64, owner, msg string, now time.Time) error
	Candidates(ctx context.Context, q CandidateQuery) ([]Obs, error)
	// FindingsByIndicator lists, in id order, up to limit findings after
	// the id after whose reasons include any of ids.
	FindingsByIndicator(ctx context.Context, ids []string, after string, limit int) ([]string, error)
	// HostsAfter lists up to limit host ids greater than after, in order.
	HostsAfter(ctx context.Context, after int64, limit int) ([]int64, error)
}

// Session is a logged-in browser.
type Session struct {
	Token   fleet.Token
	CSRF    string
	Expires time.Time
}

// Auth keeps hashed credentials and browser sessions.
type Auth interface {
	// Bootstrap creates the first admin token unless one was ever made.
	// persist (may be nil) runs inside the transaction, after the token is
	// stored and before the commit: when it fails nothing is stored, so
	// the secret it was to keep is never the only way in.
	Bootstrap(ctx context.Context, hash []byte, t fleet.Token, persist func() error) (bool, error)
	// ResetAdmin revokes every admin token the server made itself (By ==
	// t.By's bootstrap creator, see sqlstore) and stores t, with an audit
	// entry, in one transaction; persist runs before the commit as in
	// Bootstrap. It returns the new token and how many were revoked.
	ResetAdmin(ctx context.Context, hash []byte, t fleet.Token, audit fleet.AuditEntry, persist func() error) (fleet.Token, int, error)
	CreateToken(ctx context.Context, hash []byte, t fleet.Token) (fleet.Token, error)
	TokenByHash(ctx context.Context, hash []byte) (fleet.Token, error)
	ListTokens(ctx context.Context) ([]fleet.Token, error)
	RevokeToken(ctx context.Context, id int64) error
	TouchToken(ctx context.Context, id int64, at time.Time) error
	// Enroll spends one use of an enrollment token, creates the host,
	// and stores its agent token. A host that exists already (enrolled or
	// imported) is enrolled again only with a token bound to it (its
	// HostID), which revokes the host's earlier agent tokens; a shared
	// token gets ErrHostEnrolled, spends no use, and the refusal is counted
	// on the host. Enrollment never touches observations.
	Enroll(ctx context.Context, enrollHash []byte, h snapshot.Host, agentHash []byte, now time.Time) (fleet.Host, fleet.Token, error)
	CreateSession(ctx context.Context, hash []byte, tokenID int64, csrf string, expires time.Time) error
	Session(ctx context.Context, hash []byte, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
}

// FeedKeySize is the length of the key feed credentials are encrypted
// with (AES-256-GCM).
const FeedKeySize = 32

// ErrNoFeedKey: a feed credential cannot be stored or read without the
// feed key.
var ErrNoFeedKey = errors.New("no feed key: feed credentials are kept only encrypted, and this server was given no key")

// FeedResult records one poll of a feed.
type FeedResult struct {
	At       time.Time
	OK       bool
	Err      string
	ETag     string
	Modified string
	NextAt   time.Time
	// Cursor, when set, is where the next poll resumes (it is kept even
	// when the poll failed part way: what was imported stays imported).
	Cursor string
	// Sighted, when set, replaces the record of sightings sent upstream.
	Sighted string
}

// Feeds keeps polled intel URLs.
type Feeds interface {
	AddFeed(ctx context.Context, f fleet.Feed) (fleet.Feed, error)
	ListFeeds(ctx context.Context) ([]fleet.Feed, error)
	DeleteFeed(ctx context.Context, id int64) error
	// ClaimFeed leases one feed due at now.
	ClaimFeed(ctx context.Context, owner string, now time.Time, lease time.Duration) (*fleet.Feed, error)
	FeedPolled(ctx context.Context, id int64, r FeedResult) error
	// SetFeedKey sets the AES-256 key feed credentials are stored
	// encrypted with, and encrypts those stored in clear; it returns how
	// many. Without a key, a feed with a credential cannot be added.
	SetFeedKey(ctx context.Context, key []byte) (int, error)
}

// Traces keeps saved traces and their versioned results.
type Traces interface {
	// SaveTrace stores a new named trace; ErrExists when the name is taken.
	SaveTrace(ctx context.Context, t fleet.SavedTrace) (fleet.SavedTrace, error)
	SavedTraces(ctx context.Context) ([]fleet.SavedTrace, error)
	SavedTrace(ctx context.Context, id int64) (fleet.SavedTrace, error)
	DeleteSavedTrace(ctx context.Context, id int64) error
	// AddTraceVersion stores a result whose Version must be one more
	// than the trace's (ErrConflict otherwise: another replica got there
	// first), and keeps only the newest KeepTraceVersions.
	AddTraceVersion(ctx context.Context, v fleet.TraceVersion) error
	// TraceVersions lists up to limit versions, newest first.
	TraceVersions(ctx context.Context, id int64, limit int) ([]fleet.TraceVersion, error)
	// AddTraceInput keeps a file every trace reads; ErrExists when one of
	// the kind has the name.
	AddTraceInput(ctx context.Context, in fleet.TraceInput) (fleet.TraceInput, error)
	// TraceInputs lists the inputs in id order, with their content when
	// asked.
	TraceInputs(ctx context.Context, content bool) ([]fleet.TraceInput, error)
	DeleteTraceInput(ctx context.Context, id int64) error
	// QueueTraceRecompute records that a saved trace must be recomputed
	// (retro-trace), merging with the trace's pending entry: the reasons
	// and finding ids add up, the enqueue time stays the first, Gen
	// grows. ErrNotFound when the trace is gone.
	QueueTraceRecompute(ctx context.Context, q TraceRecompute) error
	// TraceRecomputes lists the pending recomputations, oldest first.
	TraceRecomputes(ctx context.Context) ([]TraceRecompute, error)
	// DoneTraceRecompute removes a trace's pending entry if its Gen is
	// still gen (nothing was queued since it was read); it reports
	// whether it did.
	DoneTraceRecompute(ctx context.Context, traceID, gen int64) (bool, error)
}

// TraceRecompute is a saved trace waiting to be recomputed because new
// findings touch it.
type TraceRecompute struct {
	TraceID  int64
	Reason   string
	Findings []string // finding ids, in the order they came, no repeats
	Enqueued time.Time
	Updated  time.Time
	Gen      int64
}

// MaxRecomputeFindings bounds the finding ids a queued recomputation
// keeps (the reason says how many more there were).
const MaxRecomputeFindings = 100

// KeepTraceVersions is how many results a saved trace keeps.
const KeepTraceVersions = 20

// YARAHuntFinish records one host's result for a YARA hunt, with the
// findings its matches made, atomically.
type YARAHuntFinish struct {
	HuntID, HostID int64
	State          string // done or failed
	Error          string
	Matches        int64
	Unrecorded     int64
	Scanned        int64
	Errors         int64
	Skipped        int64
	Hits           []Hit
	Now            time.Time
}

// YARAHunts keeps YARA hunts pushed to agents and their per-host progress.
type YARAHunts interface {
	// ServerKey returns the stored secret of the given name, storing
	// fresh first when there is none (the first replica wins).
	ServerKey(ctx context.Context, name string, fresh string) (string, error)
	// CreateYARAHunt stores a hunt asking hostIDs; sign fills the hunt's
	// signature once its id is known, inside the transaction.
	CreateYARAHunt(ctx context.Context, h fleet.YARAHunt, hostIDs []int64, sign func(*fleet.YARAHunt) error) (fleet.YARAHunt, error)
	// YARAHunts lists hunts, newest first, with their hosts (for the
	// counts) but without rules.
	YARAHunts(ctx context.Context, limit int) ([]fleet.YARAHunt, error)
	// YARAHunt returns a hunt with its rules and hosts (offline not
	// derived: the caller does it).
	YARAHunt(ctx context.Context, id int64) (fleet.YARAHunt, error)
	// PendingYARAHunt returns the oldest hunt, not canceled, asked of or
	// running on the host (nil when none), and records the poll.
	PendingYARAHunt(ctx context.Context, hostID int64, now time.Time) (*fleet.YARAHunt, error)
	// StartYARAHunt marks the host's row running.
	StartYARAHunt(ctx context.Context, huntID, hostID int64, now time.Time) error
	// FinishYARAHunt stores a host's result; ErrNotFound when the host
	// was not asked, ErrConflict when it already reported.
	FinishYARAHunt(ctx context.Context, f YARAHuntFinish) error
	CancelYARAHunt(ctx context.Context, id int64, now time.Time) error
}
