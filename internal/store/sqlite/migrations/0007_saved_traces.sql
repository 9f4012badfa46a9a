-- Saved traces (issue 18 item 5, retro-trace): a named trace request and
-- its results, one row per computation, with what changed since the last.
CREATE TABLE saved_traces (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	request TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	version BIGINT NOT NULL DEFAULT 0,
	updated BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE trace_versions (
	trace_id BIGINT NOT NULL REFERENCES saved_traces(id) ON DELETE CASCADE,
	version BIGINT NOT NULL,
	at BIGINT NOT NULL,
	reason TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL,
	changes TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (trace_id, version)
);
-- Trace inputs kept on the server (issue 18): declared edges, delivery
-- lists, SLSA provenance and the key it is verified with, used by every
-- trace; unique by kind and name.
CREATE TABLE trace_inputs (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	sha256 BLOB NOT NULL,
	content BLOB NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	UNIQUE (kind, name)
);
