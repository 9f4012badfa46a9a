-- Shared triage (issue 23 item 4): who a finding or an incident is
-- assigned to, and the notes (comments and assignment changes) on it.
CREATE TABLE triage_assignments (
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	assignee TEXT NOT NULL,
	assigned_by TEXT NOT NULL DEFAULT '',
	assigned_at BIGINT NOT NULL,
	PRIMARY KEY (kind, subject)
);
CREATE INDEX triage_assignments_assignee ON triage_assignments (kind, assignee);
CREATE TABLE triage_notes (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	type TEXT NOT NULL,
	author TEXT NOT NULL,
	at BIGINT NOT NULL,
	text TEXT NOT NULL
);
CREATE INDEX triage_notes_subject ON triage_notes (kind, subject, id);
