//! Teammates, credentials and workspace roles.

use crate::StoreError;
use crate::sql::{corrupt, get, now_ms, team::workspaces, ts};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{Email, NewUser, Role, User, UserId, Workspace, WorkspaceId};

pub(crate) const COLUMNS: &str = "u.id, u.email, u.name, u.locale, u.created_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(get(row, "id")?),
        email: Email::parse(get::<String>(row, "email")?).map_err(|e| corrupt("users", e))?,
        name: get(row, "name")?,
        locale: get(row, "locale")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

pub(crate) async fn create(pool: &AnyPool, new: &NewUser) -> Result<User, StoreError> {
    if new.name.trim().is_empty() {
        return Err(tend_domain::ValidationError::new("name", "must not be empty").into());
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, locale, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(new.email.as_str())
    .bind(new.name.trim())
    .bind(&new.locale)
    .bind(&new.password_hash)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    by_id(pool, UserId(id)).await
}

pub(crate) async fn by_id(pool: &AnyPool, id: UserId) -> Result<User, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users u WHERE u.id = $1"
    )))
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub(crate) async fn credentials(
    pool: &AnyPool,
    email: &Email,
) -> Result<(User, String), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
    )))
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((from_row(&row)?, get(&row, "password_hash")?))
}

pub(crate) async fn set_password_hash(
    pool: &AnyPool,
    id: UserId,
    hash: &str,
) -> Result<(), StoreError> {
    let res = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.get())
        .execute(pool)
        .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn count(pool: &AnyPool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

pub(crate) async fn grant_role(
    pool: &AnyPool,
    user: UserId,
    workspace: WorkspaceId,
    role: Role,
) -> Result<(), StoreError> {
    // Check both exist first so the caller gets NotFound rather than a foreign-key error.
    by_id(pool, user).await?;
    workspaces::by_id(pool, workspace).await?;
    sqlx::query(
        "INSERT INTO memberships (user_id, workspace_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, workspace_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user.get())
    .bind(workspace.get())
    .bind(role.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn revoke(
    pool: &AnyPool,
    user: UserId,
    workspace: WorkspaceId,
) -> Result<(), StoreError> {
    let res = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND workspace_id = $2")
        .bind(user.get())
        .bind(workspace.get())
        .execute(pool)
        .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn role_in(
    pool: &AnyPool,
    user: UserId,
    workspace: WorkspaceId,
) -> Result<Option<Role>, StoreError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1 AND workspace_id = $2")
            .bind(user.get())
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?;
    role.map(|r| Role::parse(&r).map_err(|e| corrupt("memberships", e)))
        .transpose()
}

pub(crate) async fn workspaces(
    pool: &AnyPool,
    user: UserId,
) -> Result<Vec<(Workspace, Role)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.user_id = $1 ORDER BY w.name, w.id",
        workspaces::COLUMNS
    )))
    .bind(user.get())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((workspaces::from_row(row)?, role_of(row)?)))
        .collect()
}

/// The `role` column of a membership row.
pub(crate) fn role_of(row: &sqlx::any::AnyRow) -> Result<Role, StoreError> {
    Role::parse(&get::<String>(row, "role")?).map_err(|e| corrupt("memberships", e))
}
