-- Amcache records the SHA-1 of programs that ran, and the file is often
-- gone by the time intel names it (issue 20): artifact observations keep
-- that digest in an indexed column, so a hunt for a SHA-1 finds the
-- execution evidence of hosts whose history predates the intel. Existing
-- rows are filled from their JSON body.
ALTER TABLE artifact_obs ADD COLUMN sha1 bytea;
UPDATE artifact_obs SET sha1 = decode(lower(convert_from(body, 'UTF8')::jsonb->>'sha1'), 'hex')
	WHERE convert_from(body, 'UTF8')::jsonb->>'sha1' ~ '^[0-9a-fA-F]{40}$';
CREATE INDEX artifact_obs_sha1 ON artifact_obs(sha1) WHERE sha1 IS NOT NULL;
