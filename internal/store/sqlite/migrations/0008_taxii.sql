-- The TAXII 2.1 server (issue 19 item 1): collections, the tokens granted
-- access to them, every stored version of every STIX object, and the status
-- resources of add requests. Times are Unix microseconds: date_added is
-- unique within a collection and grows in commit order, so a page cursor
-- of the last date_added seen never skips an object added meanwhile.
CREATE TABLE taxii_collections (
	id TEXT PRIMARY KEY,
	alias TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL,
	last_added BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX taxii_collections_alias ON taxii_collections(alias) WHERE alias <> '';

CREATE TABLE taxii_grants (
	collection_id TEXT NOT NULL,
	token_id BIGINT NOT NULL,
	can_read INTEGER NOT NULL DEFAULT 0,
	can_write INTEGER NOT NULL DEFAULT 0,
	can_delete INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (collection_id, token_id)
);
CREATE INDEX taxii_grants_token ON taxii_grants(token_id);

CREATE TABLE taxii_objects (
	seq INTEGER PRIMARY KEY,
	collection_id TEXT NOT NULL,
	object_id TEXT NOT NULL,
	type TEXT NOT NULL,
	spec_version TEXT NOT NULL,
	version TEXT NOT NULL,
	version_us BIGINT NOT NULL,
	date_added BIGINT NOT NULL,
	is_first INTEGER NOT NULL,
	is_last INTEGER NOT NULL,
	body BLOB NOT NULL
);
CREATE UNIQUE INDEX taxii_objects_added ON taxii_objects(collection_id, date_added);
CREATE UNIQUE INDEX taxii_objects_version ON taxii_objects(collection_id, object_id, version_us);

CREATE TABLE taxii_status (
	id TEXT PRIMARY KEY,
	collection_id TEXT NOT NULL,
	token_id BIGINT NOT NULL,
	created BIGINT NOT NULL,
	body BLOB NOT NULL
);
