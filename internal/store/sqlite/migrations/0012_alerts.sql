-- Alert sinks and their delivery outbox (issue 23). A delivery is queued in
-- the transaction that raises or revives a finding, and sent by one
-- leased worker per server.
CREATE TABLE alert_sinks (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	destination TEXT NOT NULL,
	format TEXT NOT NULL DEFAULT '',
	min_score INTEGER NOT NULL DEFAULT 0,
	min_level TEXT NOT NULL DEFAULT '',
	incident TEXT NOT NULL DEFAULT '',
	secret TEXT NOT NULL DEFAULT '',
	options TEXT NOT NULL DEFAULT '',
	max_queue INTEGER NOT NULL DEFAULT 10000,
	overflow BIGINT NOT NULL DEFAULT 0,
	created BIGINT NOT NULL,
	created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE alert_deliveries (
	id INTEGER PRIMARY KEY,
	sink_id BIGINT NOT NULL REFERENCES alert_sinks(id) ON DELETE CASCADE,
	finding_id TEXT NOT NULL,
	event TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	created BIGINT NOT NULL,
	next_at BIGINT NOT NULL,
	last_at BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_at);
CREATE INDEX alert_deliveries_sink ON alert_deliveries (sink_id, state);
CREATE TABLE alert_attempts (
	delivery_id BIGINT NOT NULL REFERENCES alert_deliveries(id) ON DELETE CASCADE,
	at BIGINT NOT NULL,
	ok INTEGER NOT NULL,
	error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_attempts_delivery ON alert_attempts (delivery_id);
