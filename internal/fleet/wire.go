package fleet

import (
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// APIVersion is the path prefix of the JSON API.
const APIVersion = "/api/v1"

// Upload is the body of POST /api/v1/snapshots: a full snapshot or a
// delta. UploadID makes a retried upload idempotent: the server accepts
// each (host, upload id) once and answers a repeat with the first result.
type Upload struct {
	UploadID string             `json:"upload_id"`
	Snapshot *snapshot.Snapshot `json:"snapshot,omitempty"`
	Delta    *Delta             `json:"delta,omitempty"`
}

// Delta is a snapshot sent as changes to the last snapshot the server
// accepted from this host. Snapshot carries the new snapshot's header
// (id, host, time, stats, errors) and only the records added since Base.
type Delta struct {
	// Base is the server's id of the snapshot the delta applies to; the
	// server refuses a delta on any other base (409, code base_mismatch)
	// and the agent then sends the full snapshot.
	Base     string            `json:"base"`
	Snapshot snapshot.Snapshot `json:"snapshot"`
	Remove   Removed           `json:"remove"`
	// Digest is the state digest of the complete new snapshot; a server
	// whose state differs after applying the delta refuses it.
	Digest Digest `json:"digest"`
}

// UploadResult is the server's answer to an accepted upload.
type UploadResult struct {
	// SnapshotID is the id the next delta must name as its base.
	SnapshotID string `json:"snapshot_id"`
	// Duplicate is true when this upload id was accepted before; nothing
	// was stored this time.
	Duplicate bool `json:"duplicate"`
	Opened    int  `json:"opened"`
	Closed    int  `json:"closed"`
	// Findings counts findings raised or updated by this snapshot, for
	// an admin's import only: an agent's answer never carries it (it
	// would tell a compromised machine what the intel holds).
	Findings int `json:"findings,omitempty"`
}

// EnrollRequest is the body of POST /api/v1/enroll, sent with an
// enrollment token.
type EnrollRequest struct {
	Host snapshot.Host `json:"host"`
}

// EnrollResponse carries the agent's own credential; it is shown once.
type EnrollResponse struct {
	HostID int64  `json:"host_id"`
	Token  string `json:"token"`
	// ServerKey is the server's Ed25519 public key (base64) that signs
	// YARA hunt requests; the agent keeps it with its credential.
	ServerKey string `json:"server_key,omitempty"`
}

// ErrorBody is every API error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names the error for programs (Code) and people (Message).
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes a client may act on.
const (
	CodeBaseMismatch = "base_mismatch"
	CodeUnavailable  = "unavailable"
)

// TokenRequest is the body of POST /api/v1/tokens.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// TTL is how long the token is valid; 0 means no expiry (enrollment
	// tokens default to 24 hours).
	TTL Duration `json:"ttl,omitempty"`
	// Uses caps how many agents an enrollment token may enroll (0: any).
	Uses int `json:"uses,omitempty"`
	// Roles are given to hosts enrolled with an enrollment token.
	HostRoles []string `json:"host_roles,omitempty"`
}

// TokenCreated is the answer to POST /api/v1/tokens; Secret is shown once.
type TokenCreated struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret"`
}

// StateRequest is the body of POST /api/v1/findings/{id}/state.
type StateRequest struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

// RolesRequest is the body of PUT /api/v1/hosts/{id}/roles.
type RolesRequest struct {
	Roles []string `json:"roles"`
}

// FeedRequest is the body of POST /api/v1/feeds.
type FeedRequest struct {
	Kind       string     `json:"kind,omitempty"` // url (default), taxii, misp
	URL        string     `json:"url"`
	Collection string     `json:"collection,omitempty"`
	Interval   Duration   `json:"interval"`
	Secret     FeedSecret `json:"credential,omitzero"`
	Policy     FeedPolicy `json:"policy,omitzero"`
}

// IntelImported answers an intel import or removal.
type IntelImported struct {
	Doc     IntelDoc `json:"doc"`
	Changed bool     `json:"changed"`
	Version int64    `json:"intel_version"`
	// HuntID is the retro-hunt started by the change (0 when nothing
	// changed).
	HuntID int64 `json:"hunt_id,omitempty"`
}

// Duration is a time.Duration written as "90s", "6h".
type Duration time.Duration

// MarshalText writes the duration in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}
