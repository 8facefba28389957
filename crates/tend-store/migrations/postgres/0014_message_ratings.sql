-- A review's star rating (issue 15): tenths of a star, 10..=50 (4.5 stars is 45),
-- so no float is bound and equality is exact; NULL when the platform gives none.
-- Written on insert and on update (an edited review keeps its new rating).
-- The inbox's "low ratings" filter (`rating_max`) reads it within a workspace's
-- already-filtered rows, so it has no index of its own.
-- Keep in step with ../sqlite/0014_message_ratings.sql.
ALTER TABLE messages ADD COLUMN rating BIGINT CHECK (rating BETWEEN 10 AND 50);
