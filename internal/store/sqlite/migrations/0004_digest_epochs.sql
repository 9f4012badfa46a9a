-- File digests are indexed under the row's epoch, its id >> 20 (1,048,576
-- observations per epoch), ahead of the digest. A new host's first
-- snapshot then lands in the current epoch's part of each digest index,
-- a few thousand pages however large the history grows, instead of one
-- random page of the whole index per file: with 40M observations that
-- was 20,000 pages (~80 MB through the write-ahead log) per snapshot. A
-- hunt looks each digest up once per epoch (sqlstore's Dialect.DigestScope).
DROP INDEX file_obs_sha256;
DROP INDEX file_obs_sha1;
DROP INDEX file_obs_md5;
CREATE INDEX file_obs_sha256 ON file_obs((id >> 20), sha256_p) WHERE sha256_p IS NOT NULL;
CREATE INDEX file_obs_sha1 ON file_obs((id >> 20), sha1) WHERE sha1 IS NOT NULL;
CREATE INDEX file_obs_md5 ON file_obs((id >> 20), md5) WHERE md5 IS NOT NULL;
