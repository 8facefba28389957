-- Live channels (tend-core `channels`): a channel connected to its network.
-- Its settings are the connector's `ChannelConfig` (JSON, in clear); its
-- credentials are encrypted by Tend (XChaCha20-Poly1305 with the key from the
-- configuration) before they reach this table, and wiped on disconnect. The
-- cursor is where reading stopped: it is written in the same transaction as
-- the messages it covers, so a restart neither loses nor repeats a message.
-- Keep in step with ../postgres/0013_live_channels.sql.
CREATE TABLE channel_links (
    channel_id         INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    network            TEXT NOT NULL,
    config             TEXT NOT NULL,
    -- base64(nonce || ciphertext); empty once disconnected.
    secret             TEXT NOT NULL,
    -- connected | disconnected
    state              TEXT NOT NULL,
    cursor             TEXT,
    backfill_days      INTEGER NOT NULL,
    -- Health: the last read, the last success, the last error, token expiry and
    -- the network's rate-limit window.
    last_sync_at       INTEGER,
    last_ok_at         INTEGER,
    last_error         TEXT,
    last_error_at      INTEGER,
    token_expires_at   INTEGER,
    rate_limited_until INTEGER,
    received           INTEGER NOT NULL DEFAULT 0,
    connected_at       INTEGER NOT NULL,
    disconnected_at    INTEGER
);
CREATE INDEX channel_links_workspace ON channel_links (workspace_id);

-- The outbox learns the network's side: the idempotency key chosen before the
-- first attempt (a Bluesky TID, a Matrix txnId, an e-mail's Message-ID), and
-- the id and link the network returned ("sent" means these are set).
-- New states: 'unknown' (the outcome of an attempt is not known yet: a timeout
-- or a crash after the request) and 'cancelled'.
ALTER TABLE outbox ADD COLUMN send_key TEXT;
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
ALTER TABLE outbox ADD COLUMN remote_url TEXT;
-- The worker sending it (while 'sending'): a later run knows the request's fate
-- is unknown once that worker holds no live job lease any more.
ALTER TABLE outbox ADD COLUMN sending_by TEXT;

-- A message deleted on its network stays in Tend (history, reports), marked.
ALTER TABLE messages ADD COLUMN removed_at INTEGER;

-- "Stop all sending": nothing leaves the workspace while this is set.
ALTER TABLE workspaces ADD COLUMN sending_paused_at INTEGER;

-- Streaming reads hold a worker for their whole window: they run in their own
-- lane so they never starve the other jobs.
ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'default';
