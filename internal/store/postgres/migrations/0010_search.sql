-- Fleet search (issue 23): file observations by case-folded path and by
-- case-folded file name (the last element, / and \ both separators), in
-- byte order, so a name or path pattern with a literal start is one index
-- range. The expressions must stay exactly as the dialect's PathFold and
-- NameFold write them. The id column ends each index: a search pages in
-- (key, id) order, which PostgreSQL (unlike SQLite, whose indexes end in
-- the rowid) can then read from the index without sorting the range.
CREATE INDEX file_obs_path_fold ON file_obs ((lower(path) COLLATE "C"), id);
CREATE INDEX file_obs_name_fold ON file_obs ((lower(regexp_replace(path, '^.*[/\\]', '')) COLLATE "C"), id);
-- The same for a domain and its subdomains; hunts' lookups by domain use
-- the wider index as they used the old one.
DROP INDEX artifact_obs_rdomain;
CREATE INDEX artifact_obs_rdomain ON artifact_obs(rdomain, id);
