package fleet

import "time"

// Triage subjects: what an assignment or a note is about.
const (
	SubjectFinding  = "finding"
	SubjectIncident = "incident"
)

// Triage note types.
const (
	NoteComment = "comment"
	// NoteAssign records an assignment change; its text names the new
	// assignee ("" when unassigned).
	NoteAssign = "assign"
)

// Triage bounds.
const (
	// MaxCommentBytes caps one comment.
	MaxCommentBytes = 4000
	// MaxNotes caps the notes one finding or incident keeps.
	MaxNotes = 1000
	// MaxAssigneeBytes caps an assignee's name.
	MaxAssigneeBytes = 200
	// MaxBulk caps the findings one bulk state change touches.
	MaxBulk = 1000
	// MaxExport caps the findings one export streams.
	MaxExport = 100_000
)

// Assignment names who owns a finding or an incident.
type Assignment struct {
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	Assignee string    `json:"assignee"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// TriageNote is one entry of a finding's or incident's triage history: a
// comment, or an assignment change.
type TriageNote struct {
	ID      int64     `json:"id"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	Type    string    `json:"type"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
	Text    string    `json:"text"`
}

// Triage is a subject's assignment (nil when nobody has it) and notes,
// oldest first.
type Triage struct {
	Assignment *Assignment  `json:"assignment,omitempty"`
	Notes      []TriageNote `json:"notes"`
}

// AssignRequest assigns a finding or incident; an empty Assignee
// unassigns it.
type AssignRequest struct {
	Assignee string `json:"assignee"`
}

// CommentRequest adds a comment.
type CommentRequest struct {
	Text string `json:"text"`
}

// BulkStateRequest changes the state of many findings with one reason:
// those named by IDs, or (without IDs) those the Filter selects, a query
// string as GET /findings takes it ("state=new&incident=x"). At most
// MaxBulk findings either way.
type BulkStateRequest struct {
	IDs    []string `json:"ids,omitempty"`
	Filter string   `json:"filter,omitempty"`
	State  string   `json:"state"`
	Reason string   `json:"reason"`
}

// BulkStateResult lists the findings whose state changed and those that
// were already in the state asked for.
type BulkStateResult struct {
	Changed   []string `json:"changed"`
	Unchanged []string `json:"unchanged"`
}
