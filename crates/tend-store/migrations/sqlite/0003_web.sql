-- The web app (SQLite): sessions, API tokens, full-text search, sentiment corrections,
-- internal notes with mentions, the per-message audit trail and the outbox.
-- Keep in step with ../postgres/0003_web.sql.

-- Login sessions. The cookie carries a 256-bit random value; only its SHA-256 is stored,
-- so a leaked database does not hand out live sessions.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- API tokens for scripts, stored hashed; `prefix` is shown in lists to tell them apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- A teammate's correction of the computed sentiment label (wins in filters and views).
ALTER TABLE messages ADD COLUMN sentiment_corrected TEXT;
CREATE INDEX messages_assignee ON messages (workspace_id, assignee_id, created_at DESC, id DESC);

-- Full-text search (dialect-specific): an external-content FTS5 index over title and
-- text, kept in step by triggers. Diacritics are kept so both databases agree.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    title, text, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF title, text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO messages_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- Internal notes on a conversation, and the teammates they mention.
CREATE TABLE notes (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX notes_message ON notes (message_id, id);

CREATE TABLE note_mentions (
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (note_id, user_id)
);
CREATE INDEX note_mentions_user ON note_mentions (user_id);

-- What teammates did to a message (state, assignment, tags, sentiment, replies), in order.
CREATE TABLE message_events (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX message_events_message ON message_events (message_id, id);

-- Outbound replies waiting to be sent, and every state change they went through.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    in_reply_to  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    text         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbox_state ON outbox (state, id);
CREATE INDEX outbox_message ON outbox (in_reply_to, id);

CREATE TABLE outbox_events (
    id        INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    state     TEXT NOT NULL,
    user_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    detail    TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX outbox_events_item ON outbox_events (outbox_id, id);
