-- Retro-trace (issue 18 item 5): the saved traces a new finding touched,
-- waiting to be recomputed. Kept in the store so a restart between a hunt
-- and the recomputation loses nothing: the server drains it at start-up
-- and after hunts. One row per trace; a later finding merges into it and
-- bumps gen, so a recomputation that took gen N deletes the row only if
-- nothing was queued since.
CREATE TABLE trace_recomputes (
	trace_id BIGINT PRIMARY KEY REFERENCES saved_traces(id) ON DELETE CASCADE,
	reason TEXT NOT NULL,
	findings TEXT NOT NULL DEFAULT '[]',
	enqueued BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	gen BIGINT NOT NULL DEFAULT 1
);
