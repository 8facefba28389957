//! Signing in: login sessions, API tokens, and the membership lookup every
//! workspace route makes. Secrets are never stored, only their SHA-256 hashes.

use crate::StoreError;
use crate::sql::{get, ms, now_ms, team::users, team::workspaces, ts, ts_opt};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{ApiToken, ApiTokenId, Role, Session, User, UserId, Workspace, WorkspaceId};

/// Last-seen times are written at most this often, so reads stay reads.
const TOUCH_EVERY_MS: i64 = 60_000;

pub(crate) async fn create_session(pool: &AnyPool, s: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.id_hash)
    .bind(s.user_id.get())
    .bind(&s.csrf_token)
    .bind(ms(s.created_at))
    .bind(ms(s.last_seen))
    .bind(ms(s.expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn session(
    pool: &AnyPool,
    id_hash: &str,
    now: Timestamp,
) -> Result<(Session, User), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, s.id_hash, s.user_id, s.csrf_token, s.created_at AS s_created, s.last_seen, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
        users::COLUMNS
    )))
    .bind(id_hash)
    .bind(ms(now))
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let session = Session {
        id_hash: get(&row, "id_hash")?,
        user_id: UserId(get(&row, "user_id")?),
        csrf_token: get(&row, "csrf_token")?,
        created_at: ts(get(&row, "s_created")?)?,
        last_seen: ts(get(&row, "last_seen")?)?,
        expires_at: ts(get(&row, "expires_at")?)?,
    };
    if ms(now) - ms(session.last_seen) > TOUCH_EVERY_MS {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
            .bind(ms(now))
            .bind(id_hash)
            .execute(pool)
            .await?;
    }
    Ok((session, users::from_row(&row)?))
}

pub(crate) async fn delete_session(pool: &AnyPool, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn delete_user_sessions(pool: &AnyPool, user: UserId) -> Result<u64, StoreError> {
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.get())
        .execute(pool)
        .await?;
    Ok(res.rows_affected())
}

pub(crate) async fn delete_expired_sessions(
    pool: &AnyPool,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let res = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(ms(now))
        .execute(pool)
        .await?;
    Ok(res.rows_affected())
}

const TOKEN_COLUMNS: &str = "t.id AS t_id, t.user_id AS t_user, t.name AS t_name, t.prefix, t.created_at AS t_created, \
     t.last_used_at, t.revoked_at";

fn token_from_row(row: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: ApiTokenId(get(row, "t_id")?),
        user_id: UserId(get(row, "t_user")?),
        name: get(row, "t_name")?,
        prefix: get(row, "prefix")?,
        created_at: ts(get(row, "t_created")?)?,
        last_used_at: ts_opt(get(row, "last_used_at")?)?,
        revoked_at: ts_opt(get(row, "revoked_at")?)?,
    })
}

pub(crate) async fn create_api_token(
    pool: &AnyPool,
    user: UserId,
    name: &str,
    prefix: &str,
    token_hash: &str,
) -> Result<ApiToken, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(tend_domain::ValidationError::new("name", "must be 1-100 characters").into());
    }
    users::by_id(pool, user).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.get())
    .bind(name)
    .bind(prefix)
    .bind(token_hash)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_one(pool)
    .await?;
    token_from_row(&row)
}

pub(crate) async fn api_tokens(pool: &AnyPool, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.id DESC"
    )))
    .bind(user.get())
    .fetch_all(pool)
    .await?;
    rows.iter().map(token_from_row).collect()
}

pub(crate) async fn revoke_api_token(
    pool: &AnyPool,
    user: UserId,
    id: ApiTokenId,
) -> Result<(), StoreError> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3",
    )
    .bind(now_ms())
    .bind(id.get())
    .bind(user.get())
    .execute(pool)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn api_token_user(
    pool: &AnyPool,
    token_hash: &str,
) -> Result<(ApiToken, User), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS}, {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        users::COLUMNS
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let token = token_from_row(&row)?;
    let now = now_ms();
    if token
        .last_used_at
        .is_none_or(|t| now - ms(t) > TOUCH_EVERY_MS)
    {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token.id.get())
            .execute(pool)
            .await?;
    }
    Ok((token, users::from_row(&row)?))
}

pub(crate) async fn membership(
    pool: &AnyPool,
    user: UserId,
    slug: &str,
) -> Result<(Workspace, Role), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, m.role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id \
         WHERE w.slug = $1 AND m.user_id = $2",
        workspaces::COLUMNS
    )))
    .bind(slug)
    .bind(user.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((workspaces::from_row(&row)?, users::role_of(&row)?))
}

pub(crate) async fn workspace_users(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<(User, Role)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {}, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.workspace_id = $1 ORDER BY u.name, u.id",
        users::COLUMNS
    )))
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((users::from_row(row)?, users::role_of(row)?)))
        .collect()
}

pub(crate) async fn set_user_locale(
    pool: &AnyPool,
    user: UserId,
    locale: &str,
) -> Result<(), StoreError> {
    if !matches!(locale, "en" | "sv") {
        return Err(tend_domain::ValidationError::new("locale", "must be en or sv").into());
    }
    let res = sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
        .bind(locale)
        .bind(user.get())
        .execute(pool)
        .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
