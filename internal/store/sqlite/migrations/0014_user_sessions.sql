-- Sign-in with the company's identity (issue 23, item 3). A person signed
-- in through OpenID Connect has no API token: their browser session names
-- the user and the role their groups gave them. A sign-in in flight is
-- kept by the hash of its state until the provider sends the browser back,
-- and spent once.
CREATE TABLE user_sessions (
	hash BLOB PRIMARY KEY,
	user_id TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL,
	groups_seen TEXT NOT NULL DEFAULT '',
	csrf TEXT NOT NULL,
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX user_sessions_expires ON user_sessions (expires);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE TABLE oidc_logins (
	state_hash BLOB PRIMARY KEY,
	binding BLOB NOT NULL,
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	next TEXT NOT NULL,
	expires BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires);
