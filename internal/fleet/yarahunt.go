package fleet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// YARA hunt states of one host. "offline" and "canceled" are derived
// when the hunt is read: "canceled" is a host still only asked when the
// hunt was canceled (it will not be handed the hunt); "offline" an asked
// or running host that has not been in touch for longer than the
// server's offline threshold.
const (
	YARAHuntAsked   = "asked"
	YARAHuntRunning = "running"
	YARAHuntDone    = "done"
	YARAHuntFailed  = "failed"
	YARAHuntOffline = "offline"
	YARAHuntStopped = "canceled"
)

// Bounds of a YARA hunt.
const (
	// MaxYARAHuntRules caps the rule text of one hunt, in bytes.
	MaxYARAHuntRules = 1 << 20
	// MaxYARAHuntFiles caps the matched files one host reports.
	MaxYARAHuntFiles = 1000
	// DefaultYARAHuntBudget is the time an agent gives one hunt.
	DefaultYARAHuntBudget = 30 * time.Minute
)

// YARAHuntRule is one rule text of a hunt, compiled in its own namespace:
// the intel indicator it came from (so findings carry that indicator's
// source and incident), or "yara-hunt" for rules an admin posted.
type YARAHuntRule struct {
	Indicator string `json:"indicator"`
	Text      string `json:"text"`
}

// YARAHuntRequest is a hunt as an agent receives it, signed by its server.
type YARAHuntRequest struct {
	ID          int64          `json:"id"`
	Created     time.Time      `json:"created"`
	Rules       []YARAHuntRule `json:"rules"`
	Fingerprint string         `json:"fingerprint"`
	// BudgetSeconds bounds the agent's time on the hunt.
	BudgetSeconds int `json:"budget_seconds"`
	// KeyID names the signing key (see KeyID); Signature is Ed25519 over
	// SignedBytes.
	KeyID     string `json:"key_id"`
	Signature []byte `json:"signature"`
}

// YARAHuntRequests is the agent's pending work: at most one hunt.
type YARAHuntRequests struct {
	Hunts []YARAHuntRequest `json:"hunts"`
}

// SignedBytes is the exact byte string the server signs: a domain tag and
// every field an agent acts on, each length-prefixed so no two requests
// share an encoding.
func (r *YARAHuntRequest) SignedBytes() []byte {
	var b []byte
	field := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	field("cascade-yara-hunt/1")
	b = binary.BigEndian.AppendUint64(b, uint64(r.ID))
	field(r.Created.UTC().Format(time.RFC3339Nano))
	b = binary.BigEndian.AppendUint64(b, uint64(r.BudgetSeconds))
	field(r.Fingerprint)
	b = binary.BigEndian.AppendUint64(b, uint64(len(r.Rules)))
	for _, rl := range r.Rules {
		field(rl.Indicator)
		field(rl.Text)
	}
	return b
}

// YARARulesFingerprint identifies a hunt's rule texts.
func YARARulesFingerprint(rules []YARAHuntRule) string {
	h := sha256.New()
	for _, rl := range rules {
		fmt.Fprintf(h, "%d:%s%d:%s", len(rl.Indicator), rl.Indicator, len(rl.Text), rl.Text)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// KeyID names an Ed25519 public key: the first 16 hex digits of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// EncodeKey and DecodeKey carry a public key in JSON (base64).
func EncodeKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// DecodeKey parses a key EncodeKey wrote.
func DecodeKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not an Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

// ErrHuntSignature means a hunt request was not signed by the agent's
// server.
var ErrHuntSignature = errors.New("hunt request is not signed by this agent's server")

// Verify checks the request against the server key the agent holds, and
// that its fingerprint is its rules'.
func (r *YARAHuntRequest) Verify(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: the agent holds no server key (enroll again)", ErrHuntSignature)
	}
	if r.KeyID != KeyID(pub) {
		return fmt.Errorf("%w: signed with key %q, the server's is %q", ErrHuntSignature, r.KeyID, KeyID(pub))
	}
	if !ed25519.Verify(pub, r.SignedBytes(), r.Signature) {
		return fmt.Errorf("%w: bad signature", ErrHuntSignature)
	}
	if r.Fingerprint != YARARulesFingerprint(r.Rules) {
		return fmt.Errorf("%w: fingerprint does not match the rules", ErrHuntSignature)
	}
	return nil
}

// ServerKeyResponse is the server's hunt-signing public key
// (GET /agent/server-key).
type ServerKeyResponse struct {
	Key   string `json:"key"`
	KeyID string `json:"key_id"`
}

// YARAHuntFile is one file a hunt matched on a host.
type YARAHuntFile struct {
	Path   string               `json:"path"`
	SHA256 string               `json:"sha256,omitempty"`
	Size   int64                `json:"size"`
	YARA   []snapshot.YARAMatch `json:"yara"`
}

// YARAHuntResult is what an agent reports for one hunt.
type YARAHuntResult struct {
	// Error is set when the hunt failed on the host (a bad signature,
	// rules that do not compile, the budget spent); Files may still hold
	// what was found before.
	Error   string         `json:"error,omitempty"`
	Files   []YARAHuntFile `json:"files"`
	Scanned int64          `json:"scanned"`
	Errors  int64          `json:"errors"`
	Skipped int64          `json:"skipped"`
	// Truncated: more files matched than MaxYARAHuntFiles.
	Truncated bool `json:"truncated,omitempty"`
}

// YARAHuntCreate is an admin's request for a hunt. Without Hosts and
// Roles every host is asked.
type YARAHuntCreate struct {
	Rules string   `json:"rules"`
	Hosts []int64  `json:"hosts,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// YARAHuntScope is who a hunt asks.
type YARAHuntScope struct {
	All   bool     `json:"all,omitempty"`
	Hosts []int64  `json:"hosts,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// YARAHuntHost is one host's progress on a hunt.
type YARAHuntHost struct {
	HostID   int64     `json:"host_id"`
	HostName string    `json:"host_name"`
	State    string    `json:"state"`
	AskedAt  time.Time `json:"asked_at"`
	PolledAt time.Time `json:"polled_at,omitzero"`
	PickedAt time.Time `json:"picked_at,omitzero"`
	DoneAt   time.Time `json:"done_at,omitzero"`
	// LastContact is the host's latest snapshot or hunt poll.
	LastContact time.Time `json:"last_contact,omitzero"`
	Error       string    `json:"error,omitempty"`
	Matches     int64     `json:"matches"`
	Findings    int64     `json:"findings"`
	// Unrecorded counts matched files the server has no record of on the
	// host (not in its inventory): reported here, not as findings.
	Unrecorded int64 `json:"unrecorded"`
	Scanned    int64 `json:"scanned"`
	Errors     int64 `json:"errors"`
	Skipped    int64 `json:"skipped"`
}

// YARAHunt is a hunt with its per-host progress.
type YARAHunt struct {
	ID          int64          `json:"id"`
	Created     time.Time      `json:"created"`
	Creator     string         `json:"creator"`
	Reason      string         `json:"reason,omitempty"`
	Rules       []YARAHuntRule `json:"rules,omitempty"`
	Fingerprint string         `json:"fingerprint"`
	Scope       YARAHuntScope  `json:"scope"`
	KeyID       string         `json:"key_id"`
	Signature   []byte         `json:"-"`
	Canceled    time.Time      `json:"canceled,omitzero"`
	// Counts by state, offline derived.
	Asked   int `json:"asked"`
	Running int `json:"running"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Offline int `json:"offline"`
	// Stopped counts hosts in state "canceled".
	Stopped int   `json:"canceled_hosts"`
	Matches int64 `json:"matches"`
	// Hosts are listed by GET /yara-hunts/{id}.
	Hosts []YARAHuntHost `json:"hosts,omitempty"`
}

// Request is the signed form of the hunt an agent receives.
func (h *YARAHunt) Request(budget time.Duration) YARAHuntRequest {
	return YARAHuntRequest{ID: h.ID, Created: h.Created, Rules: h.Rules, Fingerprint: h.Fingerprint,
		BudgetSeconds: int(budget / time.Second), KeyID: h.KeyID, Signature: h.Signature}
}
