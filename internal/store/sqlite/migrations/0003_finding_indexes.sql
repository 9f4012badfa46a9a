-- Indexes that let the analyst pages read findings without their rows.
-- A host's open-finding count (hosts list, host page) is answered from
-- findings_host; the incident overview, an incident's findings and the
-- findings total from findings_summary (it leads with incident, which
-- findings_incident indexed alone); a findings page walks findings_order
-- in the API's order (score, newest, id) and stops at the page's end
-- instead of sorting every finding of a score. No index leads with
-- retracted: SQLite, without statistics, would take it for the page's
-- filter and sort every finding again.
DROP INDEX findings_host;
CREATE INDEX findings_host ON findings(host_id, present, retracted, state);
DROP INDEX findings_incident;
CREATE INDEX findings_summary ON findings(incident, retracted, state, host_id, present, score, first_seen, last_seen);
DROP INDEX findings_score;
CREATE INDEX findings_order ON findings(score DESC, detected_at DESC, id, retracted, state, present);
