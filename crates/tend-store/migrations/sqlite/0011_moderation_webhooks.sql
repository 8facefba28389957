-- Webhook deliveries queued by the moderation rules' `notify: {webhook: url}`:
-- written in the transaction that records the verdict, delivered by the
-- background loop of `tend serve` with retries (attempts, next_attempt_at), the
-- last error kept, and given up after a bounded number of attempts.
-- Keep in step with ../postgres/0011_moderation_webhooks.sql.
CREATE TABLE moderation_webhooks (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    rule_set_id     INTEGER NOT NULL REFERENCES rule_sets(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    rule_index      INTEGER NOT NULL,
    rule_name       TEXT NOT NULL,
    url             TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    gave_up_at      INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    -- One delivery per message, rule (of one rule set version) and address.
    UNIQUE (message_id, rule_set_id, rule_index, url)
);
CREATE INDEX moderation_webhooks_due ON moderation_webhooks (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX moderation_webhooks_workspace ON moderation_webhooks (workspace_id, id DESC);
