-- Messages per inbox state and workspace, kept by every write that adds messages or
-- moves their state, in the same transaction: the inbox shows these counts on every
-- page, and counting a million-message workspace per request took ~90 ms.
-- Keep in step with ../sqlite/0006_inbox_counts.sql.
CREATE TABLE inbox_counts (
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, state)
);
INSERT INTO inbox_counts (workspace_id, state, n)
SELECT workspace_id, state, COUNT(*) FROM messages GROUP BY workspace_id, state;

-- Snoozed messages by wake-up time, for the job that reopens them when it comes.
CREATE INDEX messages_snoozed ON messages (snoozed_until) WHERE state = 'snoozed';
