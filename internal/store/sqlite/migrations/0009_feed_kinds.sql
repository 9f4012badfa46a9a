-- Feed kinds, credentials, resume cursors and upstream policy (issue 19).
-- A TAXII API root serves many collections, so a feed is unique by URL and
-- collection; SQLite cannot drop the column's UNIQUE, so the table is
-- rebuilt.
CREATE TABLE feeds_new (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL DEFAULT 'url',
	url TEXT NOT NULL,
	collection TEXT NOT NULL DEFAULT '',
	secret TEXT NOT NULL DEFAULT '',
	policy TEXT NOT NULL DEFAULT '',
	interval_ms BIGINT NOT NULL,
	created BIGINT NOT NULL,
	last_fetch BIGINT NOT NULL DEFAULT 0,
	last_ok BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	failures INTEGER NOT NULL DEFAULT 0,
	etag TEXT NOT NULL DEFAULT '',
	modified TEXT NOT NULL DEFAULT '',
	cursor TEXT NOT NULL DEFAULT '',
	sighted TEXT NOT NULL DEFAULT '',
	next_at BIGINT NOT NULL DEFAULT 0,
	owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	UNIQUE (url, collection)
);
INSERT INTO feeds_new (id, url, interval_ms, created, last_fetch, last_ok, last_error, etag, modified, next_at, owner, lease_until)
	SELECT id, url, interval_ms, created, last_fetch, last_ok, last_error, etag, modified, next_at, owner, lease_until FROM feeds;
DROP TABLE feeds;
ALTER TABLE feeds_new RENAME TO feeds;
