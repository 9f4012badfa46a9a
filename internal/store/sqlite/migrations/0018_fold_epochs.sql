-- The fleet search's case-folded path and name indexes (migration 0010)
-- lead with the row's epoch, id >> 20, as the digest indexes do since
-- migration 0004, and for the same reason: keyed by path alone, each of
-- a first snapshot's 20,000 files went to a random page of a 40M-row
-- index. Side by side at 100 hosts x 20,000 files the first snapshots
-- took 4 min 6 s instead of 5 min 17 s (p50 2.2 s instead of 3.2 s;
-- bench/server/RESULTS.md). A name or path search
-- reads one range per epoch (sqlstore's Search). The expressions must
-- stay exactly as sqlstore's search writes them.
DROP INDEX file_obs_path_fold;
DROP INDEX file_obs_name_fold;
CREATE INDEX file_obs_path_fold ON file_obs((id >> 20), lower(path));
CREATE INDEX file_obs_name_fold ON file_obs((id >> 20), lower(replace(replace(path, '\', '/'), rtrim(replace(path, '\', '/'), replace(replace(path, '\', '/'), '/', '')), '')));
