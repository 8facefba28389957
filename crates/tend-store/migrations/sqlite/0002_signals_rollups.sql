-- Text signals on messages, known-missing messages, and hourly rollups (SQLite).
-- Keep in step with ../postgres/0002_signals_rollups.sql.

ALTER TABLE messages ADD COLUMN sentiment REAL;
ALTER TABLE messages ADD COLUMN sentiment_label TEXT;
ALTER TABLE messages ADD COLUMN toxicity REAL;
ALTER TABLE messages ADD COLUMN spam REAL;
ALTER TABLE messages ADD COLUMN is_question INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_channel_time ON messages (channel_id, created_at);
CREATE INDEX messages_channel_author ON messages (channel_id, author_id, created_at);

-- Items a source says exist but did not deliver (Reddit `more` stubs).
CREATE TABLE missing_messages (
    channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    external_id        TEXT NOT NULL,
    parent_external_id TEXT,
    PRIMARY KEY (channel_id, external_id)
);

-- Per hour x workspace x channel; always equal to a recount of `messages`
-- (recomputed for the touched hours in the same transaction as the write).
CREATE TABLE rollups_hourly (
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id     INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    hour           INTEGER NOT NULL,
    messages_in    INTEGER NOT NULL,
    messages_out   INTEGER NOT NULL,
    new_authors    INTEGER NOT NULL,
    positive       INTEGER NOT NULL,
    neutral        INTEGER NOT NULL,
    negative       INTEGER NOT NULL,
    sentiment_sum  REAL NOT NULL,
    toxic          INTEGER NOT NULL,
    spam           INTEGER NOT NULL,
    questions      INTEGER NOT NULL,
    likes          INTEGER NOT NULL,
    shares         INTEGER NOT NULL,
    replies        INTEGER NOT NULL,
    views          INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, channel_id, hour)
);
