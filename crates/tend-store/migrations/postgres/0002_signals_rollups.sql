-- Text signals on messages, known-missing messages, and hourly rollups (PostgreSQL).
-- Keep in step with ../sqlite/0002_signals_rollups.sql.

ALTER TABLE messages ADD COLUMN sentiment DOUBLE PRECISION;
ALTER TABLE messages ADD COLUMN sentiment_label TEXT;
ALTER TABLE messages ADD COLUMN toxicity DOUBLE PRECISION;
ALTER TABLE messages ADD COLUMN spam DOUBLE PRECISION;
ALTER TABLE messages ADD COLUMN is_question BIGINT NOT NULL DEFAULT 0;
CREATE INDEX messages_channel_time ON messages (channel_id, created_at);
CREATE INDEX messages_channel_author ON messages (channel_id, author_id, created_at);

-- Items a source says exist but did not deliver (Reddit `more` stubs).
CREATE TABLE missing_messages (
    channel_id         BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    external_id        TEXT NOT NULL,
    parent_external_id TEXT,
    PRIMARY KEY (channel_id, external_id)
);

-- Per hour x workspace x channel; always equal to a recount of `messages`
-- (recomputed for the touched hours in the same transaction as the write).
CREATE TABLE rollups_hourly (
    workspace_id   BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id     BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    hour           BIGINT NOT NULL,
    messages_in    BIGINT NOT NULL,
    messages_out   BIGINT NOT NULL,
    new_authors    BIGINT NOT NULL,
    positive       BIGINT NOT NULL,
    neutral        BIGINT NOT NULL,
    negative       BIGINT NOT NULL,
    sentiment_sum  DOUBLE PRECISION NOT NULL,
    toxic          BIGINT NOT NULL,
    spam           BIGINT NOT NULL,
    questions      BIGINT NOT NULL,
    likes          BIGINT NOT NULL,
    shares         BIGINT NOT NULL,
    replies        BIGINT NOT NULL,
    views          BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, channel_id, hour)
);
