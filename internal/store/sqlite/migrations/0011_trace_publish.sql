-- A saved trace may name a TAXII collection its derived intel is
-- republished into whenever its result changes (issue 19, the chain).
ALTER TABLE saved_traces ADD COLUMN publish_to TEXT NOT NULL DEFAULT '';
