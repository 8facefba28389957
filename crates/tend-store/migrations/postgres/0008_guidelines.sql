-- The community's guidelines: one plain text per workspace, shown publicly at
-- /g/{slug} and linked from replies. Keep in step with ../sqlite/0008_guidelines.sql.
CREATE TABLE guidelines (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    text         TEXT NOT NULL,
    updated_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at   BIGINT NOT NULL
);
