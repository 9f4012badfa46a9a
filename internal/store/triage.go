package store

import (
	"context"
	"errors"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// ErrTooMany: a bound on stored items (a subject's notes) is reached;
// nothing was stored.
var ErrTooMany = errors.New("too many")

// Triage keeps who findings and incidents are assigned to, their notes,
// and bulk state changes. Every change is recorded as a note or a finding
// event in the same transaction.
type Triage interface {
	// Assign sets (assignee "" clears) the assignment of a finding or an
	// incident (kind fleet.SubjectFinding or SubjectIncident) and notes
	// the change; ErrNotFound for an unknown finding. Incidents are not
	// checked here: the caller knows which exist.
	Assign(ctx context.Context, kind, subject, assignee, actor string, now time.Time) (fleet.Assignment, error)
	// Assignments returns the assignments of the given subjects of one
	// kind, by subject; subjects nobody has are absent.
	Assignments(ctx context.Context, kind string, subjects []string) (map[string]fleet.Assignment, error)
	// AddComment stores a comment; ErrNotFound for an unknown finding,
	// ErrTooMany when the subject has fleet.MaxNotes notes.
	AddComment(ctx context.Context, kind, subject, author, text string, now time.Time) (fleet.TriageNote, error)
	// TriageNotes lists a subject's notes oldest first, at most
	// fleet.MaxNotes.
	TriageNotes(ctx context.Context, kind, subject string) ([]fleet.TriageNote, error)
	// SetFindingsState moves every listed finding to state in one
	// transaction, recording an event per changed finding; findings
	// already in state are returned as unchanged. ErrNotFound (naming the
	// id) when any is unknown, and then nothing changes.
	SetFindingsState(ctx context.Context, ids []string, state, reason, actor string, now time.Time) (changed, unchanged []string, err error)
}
