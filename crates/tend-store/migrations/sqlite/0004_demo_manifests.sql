-- The ground truth of a generated demo workspace (`tend demo`): the JSON manifest its
-- generator returns (seed, time window, counts, the planted spike …), read by later
-- features that measure themselves on the demo data (SQLite).
-- Keep in step with ../postgres/0004_demo_manifests.sql.

CREATE TABLE demo_manifests (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    manifest     TEXT NOT NULL,
    updated_at   INTEGER NOT NULL
);
