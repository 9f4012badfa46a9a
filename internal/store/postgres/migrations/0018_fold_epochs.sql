-- SQLite's migration 0018 puts its fold indexes under the row's epoch,
-- as its digest indexes are. PostgreSQL keeps its indexes keyed by value
-- (it has no digest epochs either): this step only keeps the two
-- engines' schema versions in step.
SELECT 1;
