-- Raised whenever a verdict changes a topic's rollups on a UTC day before the day
-- it is written (a backfill, an edit of an old message, a late import): dashboards
-- cache the sums of closed days and keep them while this stays the same.
-- Keep in step with ../sqlite/0010_listening_history_version.sql.
ALTER TABLE topics ADD COLUMN history_version BIGINT NOT NULL DEFAULT 0;
