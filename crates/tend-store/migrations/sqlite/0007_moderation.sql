-- Moderation: versioned rule sets, their hit counters, the moderation state of
-- messages, the review queue, banned authors, the audit log of every action, and
-- the cursors of background consumers of the event log.
-- Keep in step with ../postgres/0007_moderation.sql.

-- Every save is a new version; going live is an explicit step (live_from), and
-- the version it replaces gets live_until. At most one version is live.
CREATE TABLE rule_sets (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    source       TEXT NOT NULL,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    live_from    INTEGER,
    live_until   INTEGER,
    UNIQUE (workspace_id, version)
);

-- How often each rule of a version fired on live traffic.
CREATE TABLE rule_hits (
    rule_set_id INTEGER NOT NULL REFERENCES rule_sets(id) ON DELETE CASCADE,
    rule_index  INTEGER NOT NULL,
    hits        INTEGER NOT NULL,
    last_hit_at INTEGER,
    PRIMARY KEY (rule_set_id, rule_index)
);

-- Rules whose actions may run once per message (replies, reports, notifications),
-- by a hash of the rule's text: an edited message does not trigger them again.
CREATE TABLE rule_performed (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    rule_hash  TEXT NOT NULL,
    PRIMARY KEY (message_id, rule_hash)
);

-- The moderation state of messages that are not simply visible.
CREATE TABLE moderation_states (
    message_id   INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    by_user      INTEGER,
    at           INTEGER NOT NULL
);

-- Flagged messages waiting for (or decided by) a teammate.
CREATE TABLE review_items (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    rule_set_id  INTEGER REFERENCES rule_sets(id) ON DELETE SET NULL,
    version      INTEGER,
    rule_index   INTEGER,
    rule_name    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,
    escalated    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at   INTEGER
);
CREATE INDEX review_items_queue ON review_items (workspace_id, status, escalated DESC, id DESC);
-- One open item per message: flagging it again adds nothing.
CREATE UNIQUE INDEX review_items_open ON review_items (message_id) WHERE status IN ('pending', 'escalated');

-- Authors banned from the community.
CREATE TABLE banned_identities (
    identity_id  INTEGER PRIMARY KEY REFERENCES identities(id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    by_user      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reason       TEXT NOT NULL,
    at           INTEGER NOT NULL
);

-- Every moderation action, by a rule (set, version, index) or a teammate.
CREATE TABLE moderation_log (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    rule_set_id  INTEGER REFERENCES rule_sets(id) ON DELETE SET NULL,
    version      INTEGER,
    rule_index   INTEGER,
    user_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    action       TEXT NOT NULL,
    before_state TEXT NOT NULL,
    after_state  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX moderation_log_workspace ON moderation_log (workspace_id, id DESC);
CREATE INDEX moderation_log_message ON moderation_log (message_id, id);

-- Where each background consumer of the event log is.
CREATE TABLE consumer_cursors (
    name   TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
);
