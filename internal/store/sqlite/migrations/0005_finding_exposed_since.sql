-- "Exposed since (evidence)": the earliest time a finding's evidence
-- itself proves (an install date, a download's time, a file's mtime), in
-- Unix milliseconds, 0 when no evidence carries a time. first_seen stays
-- "first seen by cascade" (the first inventory that held the evidence).
-- The incident summary reads it, so the summary index carries it too.
ALTER TABLE findings ADD COLUMN exposed_since BIGINT NOT NULL DEFAULT 0;
DROP INDEX findings_summary;
CREATE INDEX findings_summary ON findings(incident, retracted, state, host_id, present, score, first_seen, last_seen, exposed_since);
