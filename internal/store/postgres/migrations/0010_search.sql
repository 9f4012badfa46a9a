-- Fleet search (issue 23): file observations by case-folded path and by
-- case-folded file name (the last element, / and \ both separators), in
-- byte order, so a name or path pattern with a literal start is one index
-- range. The expressions must stay exactly as the dialect's PathFold and
-- NameFold write them.
CREATE INDEX file_obs_path_fold ON file_obs ((lower(path) COLLATE "C"));
CREATE INDEX file_obs_name_fold ON file_obs ((lower(regexp_replace(path, '^.*[/\\]', '')) COLLATE "C"));
