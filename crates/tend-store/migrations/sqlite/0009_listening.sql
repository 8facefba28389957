-- Listening: topics (named queries), the messages each matched, rollups of them
-- for dashboards, spike alerts and the alert webhook.
-- Keep in step with ../postgres/0009_listening.sql.

-- A topic's history is matched by a backfill over message ids up to
-- backfill_upto (the newest id when the topic was created or its query changed);
-- backfill_after is how far it has come. Newer messages are matched live.
CREATE TABLE topics (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    query          TEXT NOT NULL,
    role           TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    created_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    backfill_upto  INTEGER NOT NULL,
    backfill_after INTEGER NOT NULL,
    backfill_done  INTEGER NOT NULL,
    backfill_total INTEGER NOT NULL,
    UNIQUE (workspace_id, name)
);

-- One row per topic and matching message, with the facts every rollup is made
-- of (so an edit can take the old contribution out exactly). message_id has no
-- foreign key: messages are never deleted on their own (a workspace goes with
-- its topics), and the listening benchmark stores matches of generated messages.
CREATE TABLE topic_matches (
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    author_id  INTEGER,
    polarity   INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    to_answer  INTEGER NOT NULL,
    terms      TEXT NOT NULL,
    PRIMARY KEY (topic_id, message_id)
) WITHOUT ROWID;
CREATE INDEX topic_matches_message ON topic_matches (message_id);
CREATE INDEX topic_matches_answer ON topic_matches (topic_id, at) WHERE to_answer = 1;

-- Per topic and UTC hour: volume, sentiment, engagement, questions to answer.
CREATE TABLE topic_hours (
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,
    messages   INTEGER NOT NULL,
    positive   INTEGER NOT NULL,
    neutral    INTEGER NOT NULL,
    negative   INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    to_answer  INTEGER NOT NULL,
    PRIMARY KEY (topic_id, hour)
) WITHOUT ROWID;

-- Per topic and UTC day: how many matching messages carried each term or #hashtag.
CREATE TABLE topic_terms (
    topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    term     TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day, term)
) WITHOUT ROWID;

-- Per topic and UTC day: messages and engagement per author.
CREATE TABLE topic_authors (
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    engagement INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day, author_id)
) WITHOUT ROWID;

-- Spikes found in a topic's hourly series; a spike that grows keeps its row.
CREATE TABLE topic_alerts (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    topic_id     INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    start_at     INTEGER NOT NULL,
    end_at       INTEGER NOT NULL,
    observed     INTEGER NOT NULL,
    expected     REAL NOT NULL,
    score        REAL NOT NULL,
    created_at   INTEGER NOT NULL,
    notified_at  INTEGER,
    UNIQUE (topic_id, kind, start_at)
);
CREATE INDEX topic_alerts_workspace ON topic_alerts (workspace_id, start_at DESC);

-- Where alerts are sent (a URL that receives a JSON POST), per workspace.
CREATE TABLE listening_settings (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    webhook_url  TEXT
);
