-- Foundation schema (SQLite). Timestamps are integer milliseconds since the Unix epoch (UTC).
-- Keep in step with ../postgres/0001_foundation.sql; the store story test runs on both.

CREATE TABLE workspaces (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    time_zone            TEXT NOT NULL,
    business_hours       TEXT NOT NULL,
    response_target_secs INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
);

CREATE TABLE channels (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    handle       TEXT,
    settings     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE identities (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    platform     TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    handle       TEXT NOT NULL,
    display_name TEXT,
    profile_url  TEXT,
    followers    INTEGER,
    verified     INTEGER NOT NULL,
    email        TEXT,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    UNIQUE (workspace_id, platform, external_id)
);
CREATE INDEX identities_member ON identities (member_id);

CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id         INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    external_id        TEXT NOT NULL,
    direction          TEXT NOT NULL,
    kind               TEXT NOT NULL,
    thread_root_id     INTEGER REFERENCES messages(id),
    parent_id          INTEGER REFERENCES messages(id),
    thread_external_id TEXT,
    parent_external_id TEXT,
    author_id          INTEGER REFERENCES identities(id),
    title              TEXT,
    text               TEXT NOT NULL,
    lang               TEXT,
    created_at         INTEGER NOT NULL,
    edited_at          INTEGER,
    ingested_at        INTEGER NOT NULL,
    permalink          TEXT,
    likes              INTEGER NOT NULL,
    shares             INTEGER NOT NULL,
    replies            INTEGER NOT NULL,
    views              INTEGER NOT NULL,
    state              TEXT NOT NULL,
    snoozed_until      INTEGER,
    assignee_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX messages_inbox ON messages (workspace_id, state, created_at DESC, id DESC);
CREATE INDEX messages_workspace_time ON messages (workspace_id, created_at DESC, id DESC);
CREATE INDEX messages_thread ON messages (thread_root_id, created_at);
CREATE INDEX messages_author ON messages (author_id, created_at);
CREATE INDEX messages_waiting_parent ON messages (channel_id, parent_external_id) WHERE parent_id IS NULL AND parent_external_id IS NOT NULL;
CREATE INDEX messages_waiting_root ON messages (channel_id, thread_external_id) WHERE thread_root_id IS NULL AND thread_external_id IS NOT NULL;
CREATE INDEX messages_waiting_thread ON messages (channel_id) WHERE thread_external_id IS NULL AND parent_external_id IS NOT NULL;

CREATE TABLE message_revisions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    title       TEXT,
    text        TEXT NOT NULL,
    written_at  INTEGER NOT NULL,
    replaced_at INTEGER NOT NULL
);
CREATE INDEX message_revisions_message ON message_revisions (message_id, id);

CREATE TABLE tags (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    UNIQUE (workspace_id, name_key)
);

CREATE TABLE message_tags (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, tag_id)
);
CREATE INDEX message_tags_tag ON message_tags (tag_id);
