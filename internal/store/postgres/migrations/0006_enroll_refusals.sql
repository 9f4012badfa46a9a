-- Enrollments refused because the host id was already enrolled (issue 17
-- item 2): how many and the last time, shown to analysts on the host.
ALTER TABLE hosts ADD COLUMN enroll_refused BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN enroll_refused_at BIGINT NOT NULL DEFAULT 0;
