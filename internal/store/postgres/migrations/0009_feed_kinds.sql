-- Feed kinds, credentials, resume cursors and upstream policy (issue 19).
-- A TAXII API root serves many collections, so a feed is unique by URL and
-- collection.
ALTER TABLE feeds ADD COLUMN kind TEXT NOT NULL DEFAULT 'url';
ALTER TABLE feeds ADD COLUMN collection TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN secret TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN cursor TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN sighted TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds DROP CONSTRAINT feeds_url_key;
ALTER TABLE feeds ADD CONSTRAINT feeds_url_collection_key UNIQUE (url, collection);
