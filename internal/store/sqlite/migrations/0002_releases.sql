-- Releases with digests: where tracing will go from a suspect build host
-- to what it produced (DESIGN.md §7 item 5). Stored, not traced yet.
CREATE TABLE releases (
	id INTEGER PRIMARY KEY,
	product TEXT NOT NULL,
	version TEXT NOT NULL,
	sha256 BLOB NOT NULL,
	build_host_id BIGINT NOT NULL DEFAULT 0,
	released_at BIGINT NOT NULL DEFAULT 0,
	notes TEXT NOT NULL DEFAULT '',
	created BIGINT NOT NULL
);
CREATE INDEX releases_sha256 ON releases(sha256);
CREATE INDEX releases_build_host ON releases(build_host_id);
