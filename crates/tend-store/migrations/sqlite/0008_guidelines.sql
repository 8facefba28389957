-- The community's guidelines: one plain text per workspace, shown publicly at
-- /g/{slug} and linked from replies. Keep in step with ../postgres/0008_guidelines.sql.
CREATE TABLE guidelines (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    text         TEXT NOT NULL,
    updated_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at   INTEGER NOT NULL
);
