-- Each author's first message per channel, kept by the batch upsert in the same
-- transaction as the messages: the "new authors" rollup reads one small row per
-- author instead of searching the author's messages. It replaces the
-- (channel, author, created_at) index on messages, one index fewer to maintain on
-- every inserted message. Keep in step with ../postgres/0005_lean_write_path.sql.
CREATE TABLE channel_authors (
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    first_at   INTEGER NOT NULL,
    PRIMARY KEY (channel_id, author_id)
);
INSERT INTO channel_authors (channel_id, author_id, first_at)
SELECT channel_id, author_id, MIN(created_at) FROM messages
WHERE author_id IS NOT NULL GROUP BY channel_id, author_id;
DROP INDEX messages_channel_author;

-- Events for later consumers (moderation, listening, the live inbox), written in the
-- same transaction as what they describe and read by cursor (`id`), so a consumer
-- that crashes resumes where it stopped and never misses one. AUTOINCREMENT: an id
-- is never reused, or a cursor could skip an event.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, id);
