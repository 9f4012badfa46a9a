-- cascade fleet store, SQLite. Times are Unix milliseconds; 0 is "never".
CREATE TABLE hosts (
	id INTEGER PRIMARY KEY,
	uid TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	os TEXT NOT NULL DEFAULT '',
	os_version TEXT NOT NULL DEFAULT '',
	arch TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	last_seen BIGINT NOT NULL DEFAULT 0,
	last_upload BIGINT NOT NULL DEFAULT 0,
	snapshot_id TEXT NOT NULL DEFAULT '',
	snapshots INTEGER NOT NULL DEFAULT 0,
	digest BLOB,
	n_software INTEGER NOT NULL DEFAULT 0,
	n_files INTEGER NOT NULL DEFAULT 0,
	n_artifacts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hosts_name ON hosts(name);

CREATE TABLE host_roles (
	host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	PRIMARY KEY (host_id, role)
);
CREATE INDEX host_roles_role ON host_roles(role, host_id);

CREATE TABLE snapshots (
	host_id INTEGER NOT NULL,
	id TEXT NOT NULL,
	upload_id TEXT NOT NULL,
	collected_at BIGINT NOT NULL,
	received_at BIGINT NOT NULL,
	kind TEXT NOT NULL,
	opened INTEGER NOT NULL,
	closed INTEGER NOT NULL,
	collector TEXT NOT NULL DEFAULT '',
	info BLOB,
	result BLOB NOT NULL,
	PRIMARY KEY (host_id, id)
);
CREATE UNIQUE INDEX snapshots_upload ON snapshots(host_id, upload_id);
CREATE INDEX snapshots_time ON snapshots(host_id, collected_at);

-- Observations: one row per item and interval. last_seen and closed_at are
-- NULL while the item is on the host (its last snapshot still has it).
CREATE TABLE software_obs (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL,
	key BLOB NOT NULL,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT,
	closed_at BIGINT,
	name TEXT NOT NULL,
	version TEXT NOT NULL,
	product_key TEXT NOT NULL,
	ident_key TEXT NOT NULL,
	body BLOB NOT NULL
);
CREATE UNIQUE INDEX software_obs_open ON software_obs(host_id, key) WHERE closed_at IS NULL;
CREATE INDEX software_obs_host ON software_obs(host_id, first_seen);
CREATE INDEX software_obs_product ON software_obs(product_key);
CREATE INDEX software_obs_ident ON software_obs(ident_key) WHERE ident_key <> '';

CREATE TABLE file_obs (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL,
	key BLOB NOT NULL,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT,
	closed_at BIGINT,
	path TEXT NOT NULL,
	sha256 BLOB,
	-- sha256_p is the digest's first 8 bytes as an integer: a quarter of
	-- the index a full digest would need, for hunts by hash.
	sha256_p BIGINT,
	sha1 BLOB,
	md5 BLOB,
	size BIGINT NOT NULL,
	mtime BIGINT NOT NULL,
	type TEXT NOT NULL,
	usr TEXT NOT NULL,
	detail BLOB
);
CREATE UNIQUE INDEX file_obs_open ON file_obs(host_id, key) WHERE closed_at IS NULL;
CREATE INDEX file_obs_closed ON file_obs(host_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX file_obs_sha256 ON file_obs(sha256_p) WHERE sha256_p IS NOT NULL;
CREATE INDEX file_obs_sha1 ON file_obs(sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX file_obs_md5 ON file_obs(md5) WHERE md5 IS NOT NULL;

CREATE TABLE artifact_obs (
	id INTEGER PRIMARY KEY,
	host_id INTEGER NOT NULL,
	key BLOB NOT NULL,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT,
	closed_at BIGINT,
	kind TEXT NOT NULL,
	rdomain TEXT NOT NULL,
	ip TEXT NOT NULL,
	body BLOB NOT NULL
);
CREATE UNIQUE INDEX artifact_obs_open ON artifact_obs(host_id, key) WHERE closed_at IS NULL;
CREATE INDEX artifact_obs_host ON artifact_obs(host_id, first_seen);
CREATE INDEX artifact_obs_rdomain ON artifact_obs(rdomain);
CREATE INDEX artifact_obs_ip ON artifact_obs(ip) WHERE ip <> '';

CREATE TABLE findings (
	id TEXT PRIMARY KEY,
	host_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	score INTEGER NOT NULL,
	level TEXT NOT NULL,
	incident TEXT NOT NULL,
	title TEXT NOT NULL,
	body BLOB NOT NULL,
	state TEXT NOT NULL,
	state_reason TEXT NOT NULL DEFAULT '',
	state_by TEXT NOT NULL DEFAULT '',
	state_at BIGINT NOT NULL DEFAULT 0,
	first_seen BIGINT NOT NULL,
	last_seen BIGINT NOT NULL,
	present INTEGER NOT NULL,
	detected_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	origin TEXT NOT NULL,
	retracted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX findings_host ON findings(host_id, present);
CREATE INDEX findings_incident ON findings(incident);
CREATE INDEX findings_score ON findings(score, detected_at);

CREATE TABLE finding_obs (
	finding_id TEXT NOT NULL,
	obs_id BIGINT NOT NULL,
	PRIMARY KEY (finding_id, obs_id)
);

CREATE TABLE finding_reasons (
	finding_id TEXT NOT NULL,
	indicator TEXT NOT NULL,
	PRIMARY KEY (finding_id, indicator)
);
CREATE INDEX finding_reasons_indicator ON finding_reasons(indicator);

CREATE TABLE finding_events (
	id INTEGER PRIMARY KEY,
	finding_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, at);

CREATE TABLE intel_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO intel_state (id, version) VALUES (1, 0);

CREATE TABLE intel_docs (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	origin TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	size BIGINT NOT NULL,
	content BLOB NOT NULL,
	counts BLOB,
	sources TEXT NOT NULL DEFAULT '',
	imported_at BIGINT NOT NULL,
	imported_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE intel_revocations (
	indicator TEXT PRIMARY KEY,
	reason TEXT NOT NULL DEFAULT '',
	revoked_by TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL
);

CREATE TABLE hunts (
	id INTEGER PRIMARY KEY,
	status TEXT NOT NULL,
	reason TEXT NOT NULL,
	intel_version BIGINT NOT NULL,
	created BIGINT NOT NULL,
	started BIGINT NOT NULL DEFAULT 0,
	finished BIGINT NOT NULL DEFAULT 0,
	phase INTEGER NOT NULL DEFAULT 0,
	cursor TEXT NOT NULL DEFAULT '',
	candidates BIGINT NOT NULL DEFAULT 0,
	findings BIGINT NOT NULL DEFAULT 0,
	retracted BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	spec BLOB NOT NULL,
	owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX hunts_status ON hunts(status, id);

CREATE TABLE tokens (
	id INTEGER PRIMARY KEY,
	hash BLOB NOT NULL UNIQUE,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	host_id BIGINT NOT NULL DEFAULT 0,
	host_roles TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL DEFAULT 0,
	last_used BIGINT NOT NULL DEFAULT 0,
	revoked INTEGER NOT NULL DEFAULT 0,
	uses_left INTEGER NOT NULL DEFAULT -1,
	created_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_host ON tokens(host_id) WHERE host_id <> 0;

CREATE TABLE sessions (
	hash BLOB PRIMARY KEY,
	token_id BIGINT NOT NULL,
	csrf TEXT NOT NULL,
	expires BIGINT NOT NULL
);

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	role TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	remote TEXT NOT NULL DEFAULT ''
);

CREATE TABLE feeds (
	id INTEGER PRIMARY KEY,
	url TEXT NOT NULL UNIQUE,
	interval_ms BIGINT NOT NULL,
	created BIGINT NOT NULL,
	last_fetch BIGINT NOT NULL DEFAULT 0,
	last_ok BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	etag TEXT NOT NULL DEFAULT '',
	modified TEXT NOT NULL DEFAULT '',
	next_at BIGINT NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0
);
