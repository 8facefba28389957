-- The durable job runner (tend-core `jobs`): every piece of background work is a
-- row here, claimed by one worker at a time under a lease, from any number of
-- processes sharing the database. Claiming is `FOR UPDATE SKIP LOCKED` on
-- PostgreSQL and one atomic `UPDATE … RETURNING` on SQLite.
--
-- state: queued -> running -> done | (queued again after a failure, with backoff)
--        | dead (a one-off job that failed max_attempts times; an admin can retry it).
-- A recurring job is one row per schedule (key 'every:<kind>'), queued again for
-- its next run when it finishes. An expired lease (the process died) makes a
-- running job claimable again.
-- Keep in step with ../postgres/0012_jobs.sql.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    -- The workspace the job works for; NULL for system-wide work.
    workspace_id INTEGER REFERENCES workspaces(id) ON DELETE CASCADE,
    -- Idempotency key: enqueueing a key that exists is a no-op.
    key          TEXT UNIQUE,
    state        TEXT NOT NULL,
    run_at       INTEGER NOT NULL,
    -- Every attempt so far, and failures since the last success (recurring jobs).
    attempts     INTEGER NOT NULL DEFAULT 0,
    failures     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    -- Seconds between runs of a recurring job; NULL for a one-off job.
    every_secs   INTEGER,
    lease_until  INTEGER,
    locked_by    TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_dead ON jobs (updated_at) WHERE state = 'dead';
CREATE INDEX jobs_done ON jobs (finished_at) WHERE state = 'done';

-- Automatic replies and notes carry the key of the job that wrote them, so a job
-- run twice (at least once) writes them once.
ALTER TABLE outbox ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX outbox_idempotency ON outbox (idempotency_key);
ALTER TABLE notes ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX notes_idempotency ON notes (idempotency_key);
