-- Fleet search (issue 23): file observations by case-folded path and by
-- case-folded file name (the last element, / and \ both separators), so
-- a name or path pattern with a literal start is one index range. The
-- expressions must stay exactly as sqlstore's search writes them.
CREATE INDEX file_obs_path_fold ON file_obs(lower(path));
CREATE INDEX file_obs_name_fold ON file_obs(lower(replace(replace(path, '\', '/'), rtrim(replace(path, '\', '/'), replace(replace(path, '\', '/'), '/', '')), '')));
