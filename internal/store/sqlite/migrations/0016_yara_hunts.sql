-- YARA hunts pushed to the fleet (issue 21 item 5): the server holds
-- digests, not contents, so a YARA rule set is evaluated by the agents.
-- A hunt keeps its signed rules; each asked host has a row with its
-- progress. "offline" is derived at read time, never stored. The server's
-- signing key lives in meta ('yara_hunt_key').
CREATE TABLE yara_hunts (
	id INTEGER PRIMARY KEY,
	created BIGINT NOT NULL,
	creator TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	rules TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	scope TEXT NOT NULL,
	key_id TEXT NOT NULL DEFAULT '',
	signature TEXT NOT NULL DEFAULT '',
	canceled BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE yara_hunt_hosts (
	hunt_id BIGINT NOT NULL REFERENCES yara_hunts(id) ON DELETE CASCADE,
	host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
	state TEXT NOT NULL,
	asked_at BIGINT NOT NULL,
	polled_at BIGINT NOT NULL DEFAULT 0,
	picked_at BIGINT NOT NULL DEFAULT 0,
	done_at BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	matches BIGINT NOT NULL DEFAULT 0,
	findings BIGINT NOT NULL DEFAULT 0,
	unrecorded BIGINT NOT NULL DEFAULT 0,
	scanned BIGINT NOT NULL DEFAULT 0,
	errors BIGINT NOT NULL DEFAULT 0,
	skipped BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (hunt_id, host_id)
);
CREATE INDEX yara_hunt_hosts_pending ON yara_hunt_hosts (host_id, state, hunt_id);
