//! Identities and members. Invariant: every identity belongs to exactly one
//! member of the same workspace; merging moves identities, splitting gives one
//! identity a new member, so every merge can be undone.

use crate::StoreError;
use crate::sql::{Cols, col, corrupt, get, now_ms, placeholders, reserve_ids, ts};
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::HashSet;
use tend_domain::{
    ChannelKind, Identity, IdentityId, Member, MemberId, MemberProfile, NewIdentity, WorkspaceId,
};

pub(crate) const COLUMNS: &str = "id, workspace_id, member_id, platform, external_id, handle, display_name, profile_url, \
                       followers, verified, email, first_seen, last_seen";

pub(crate) fn from_row(row: &impl Cols) -> Result<Identity, StoreError> {
    Ok(Identity {
        id: IdentityId(col(row, "id")?),
        workspace_id: WorkspaceId(col(row, "workspace_id")?),
        member_id: MemberId(col(row, "member_id")?),
        platform: ChannelKind::parse(&col::<String>(row, "platform")?)
            .map_err(|e| corrupt("identities", e))?,
        external_id: col(row, "external_id")?,
        handle: col(row, "handle")?,
        display_name: col(row, "display_name")?,
        profile_url: col(row, "profile_url")?,
        followers: col(row, "followers")?,
        verified: col::<i64>(row, "verified")? != 0,
        email: col(row, "email")?,
        first_seen: ts(col(row, "first_seen")?)?,
        last_seen: ts(col(row, "last_seen")?)?,
    })
}

fn validate(new: &NewIdentity) -> Result<(), StoreError> {
    if new.external_id.is_empty()
        || new.external_id.len() > 512
        || new.handle.trim().is_empty()
        || new.handle.len() > 512
    {
        return Err(tend_domain::ValidationError::new(
            "identity",
            "external id and handle must be 1-512 bytes",
        )
        .into());
    }
    if new.followers.is_some_and(|f| f < 0) {
        return Err(tend_domain::ValidationError::new("followers", "must not be negative").into());
    }
    Ok(())
}

/// Upserts inside an open transaction (the ingest path resolves authors and
/// stores messages in one transaction).
pub(crate) async fn upsert_in(
    tx: &mut Transaction<'_, Any>,
    new: &NewIdentity,
) -> Result<IdentityId, StoreError> {
    validate(new)?;
    let now = now_ms();
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM identities WHERE workspace_id = $1 AND platform = $2 AND external_id = $3",
    )
    .bind(new.workspace_id.get())
    .bind(new.platform.as_str())
    .bind(&new.external_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = existing {
        // Known fields win over unknown ones: a source that omits the follower count
        // does not erase the one another source reported.
        sqlx::query(
            "UPDATE identities SET handle = $1, display_name = COALESCE($2, display_name), \
             profile_url = COALESCE($3, profile_url), followers = COALESCE($4, followers), \
             verified = $5, email = COALESCE($6, email), last_seen = $7 WHERE id = $8",
        )
        .bind(&new.handle)
        .bind(new.display_name.as_deref())
        .bind(new.profile_url.as_deref())
        .bind(new.followers)
        .bind(i64::from(new.verified))
        .bind(new.email.as_deref())
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        return Ok(IdentityId(id));
    }
    let display = new
        .display_name
        .clone()
        .unwrap_or_else(|| new.handle.clone());
    let member_id: i64 =
        sqlx::query_scalar("INSERT INTO members (workspace_id, display_name, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(new.workspace_id.get())
            .bind(display)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO identities (workspace_id, member_id, platform, external_id, handle, display_name, profile_url, \
         followers, verified, email, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(new.workspace_id.get())
    .bind(member_id)
    .bind(new.platform.as_str())
    .bind(&new.external_id)
    .bind(&new.handle)
    .bind(new.display_name.as_deref())
    .bind(new.profile_url.as_deref())
    .bind(new.followers)
    .bind(i64::from(new.verified))
    .bind(new.email.as_deref())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(IdentityId(id))
}

pub(crate) async fn upsert(
    pool: &AnyPool,
    backend: crate::Backend,
    new: &NewIdentity,
) -> Result<Identity, StoreError> {
    crate::sql::team::workspaces::by_id(pool, new.workspace_id).await?;
    // Reads then writes: take SQLite's write lock first, or the upgrade fails
    // at once (SQLITE_BUSY) while another connection writes.
    let mut tx = crate::sql::begin_write(pool, backend).await?;
    let id = upsert_in(&mut tx, new).await?;
    tx.commit().await?;
    by_id(pool, new.workspace_id, id).await
}

pub(crate) async fn upsert_batch(
    pool: &AnyPool,
    backend: crate::Backend,
    batch: &[NewIdentity],
) -> Result<Vec<IdentityId>, StoreError> {
    let workspaces: std::collections::BTreeSet<_> = batch.iter().map(|n| n.workspace_id).collect();
    for ws in workspaces {
        crate::sql::team::workspaces::by_id(pool, ws).await?;
    }
    for new in batch {
        validate(new)?;
    }
    // Reads then writes: take SQLite's write lock first (see `upsert`).
    let mut tx = crate::sql::begin_write(pool, backend).await?;
    // One query per (workspace, platform) finds the identities already stored; only
    // those whose description changed are written, so a batch of known authors costs
    // a query, not a statement per author.
    let mut stored = load_existing(&mut tx, batch).await?;
    let key_of = |new: &NewIdentity| {
        (
            new.workspace_id.get(),
            new.platform.as_str(),
            new.external_id.clone(),
        )
    };
    // New identities (the first occurrence of a key not stored) are written together
    // by multi-row INSERTs; repeats of a key later in the batch are then merged into
    // the copy written first, as if the batch were written one by one.
    let mut fresh: Vec<usize> = Vec::new();
    let mut seen = HashSet::new();
    for (i, new) in batch.iter().enumerate() {
        let key = key_of(new);
        if !stored.contains_key(&key) && seen.insert(key) {
            fresh.push(i);
        }
    }
    let fresh_news: Vec<&NewIdentity> = fresh.iter().map(|&i| &batch[i]).collect();
    let fresh_ids = insert_new(&mut tx, backend, &fresh_news).await?;
    let mut ids: Vec<Option<IdentityId>> = vec![None; batch.len()];
    for (&i, id) in fresh.iter().zip(fresh_ids) {
        let new = &batch[i];
        let known = Known {
            id: id.get(),
            handle: new.handle.clone(),
            display_name: new.display_name.clone(),
            profile_url: new.profile_url.clone(),
            followers: new.followers,
            verified: new.verified,
            email: new.email.clone(),
        };
        stored.insert(key_of(new), known);
        ids[i] = Some(id);
    }
    for (i, new) in batch.iter().enumerate() {
        if ids[i].is_some() {
            continue;
        }
        let key = key_of(new);
        let old = stored
            .get(&key)
            .cloned()
            .ok_or_else(|| corrupt("identities", "an identity of the batch went missing"))?;
        let merged = Known {
            id: old.id,
            handle: new.handle.clone(),
            display_name: new
                .display_name
                .clone()
                .or_else(|| old.display_name.clone()),
            profile_url: new.profile_url.clone().or_else(|| old.profile_url.clone()),
            followers: new.followers.or(old.followers),
            verified: new.verified,
            email: new.email.clone().or_else(|| old.email.clone()),
        };
        if merged != old {
            upsert_in(&mut tx, new).await?;
            stored.insert(key, merged);
        }
        ids[i] = Some(IdentityId(old.id));
    }
    tx.commit().await?;
    Ok(ids.into_iter().flatten().collect())
}

/// Writes identities known to be new (distinct keys, none stored), each with a
/// member of its own, by multi-row INSERTs: the ids of both are reserved first, so
/// each identity names its member without a statement per row. Returns the ids in
/// the order given.
async fn insert_new(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    news: &[&NewIdentity],
) -> Result<Vec<IdentityId>, StoreError> {
    // 13 values per identity row: 500 rows stay far under SQLite's 32,766.
    const ROWS: usize = 500;
    let now = now_ms();
    let mut out = Vec::with_capacity(news.len());
    for chunk in news.chunks(ROWS) {
        let member_ids = reserve_ids(tx, backend, "members", chunk.len()).await?;
        let identity_ids = reserve_ids(tx, backend, "identities", chunk.len()).await?;
        let values = |per_row: usize| {
            (0..chunk.len())
                .map(|k| format!("({})", placeholders(backend, k * per_row + 1, per_row)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "INSERT INTO members (id, workspace_id, display_name, created_at) VALUES {}",
            values(4)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (new, member) in chunk.iter().zip(&member_ids) {
            let display = new
                .display_name
                .clone()
                .unwrap_or_else(|| new.handle.clone());
            query = query
                .bind(*member)
                .bind(new.workspace_id.get())
                .bind(display)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
        let sql = format!(
            "INSERT INTO identities (id, workspace_id, member_id, platform, external_id, handle, display_name, \
             profile_url, followers, verified, email, first_seen, last_seen) VALUES {}",
            values(13)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ((new, member), id) in chunk.iter().zip(&member_ids).zip(&identity_ids) {
            query = query
                .bind(*id)
                .bind(new.workspace_id.get())
                .bind(*member)
                .bind(new.platform.as_str())
                .bind(new.external_id.clone())
                .bind(new.handle.clone())
                .bind(new.display_name.clone())
                .bind(new.profile_url.clone())
                .bind(new.followers)
                .bind(i64::from(new.verified))
                .bind(new.email.clone())
                .bind(now)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
        out.extend(identity_ids.into_iter().map(IdentityId));
    }
    Ok(out)
}

/// The described fields of a stored identity.
#[derive(Debug, Clone, PartialEq)]
struct Known {
    id: i64,
    handle: String,
    display_name: Option<String>,
    profile_url: Option<String>,
    followers: Option<i64>,
    verified: bool,
    email: Option<String>,
}

type KnownMap = std::collections::HashMap<(i64, &'static str, String), Known>;

async fn load_existing(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewIdentity],
) -> Result<KnownMap, StoreError> {
    let mut groups: std::collections::BTreeMap<
        (i64, &'static str),
        std::collections::BTreeSet<&str>,
    > = std::collections::BTreeMap::new();
    for new in batch {
        groups
            .entry((new.workspace_id.get(), new.platform.as_str()))
            .or_default()
            .insert(&new.external_id);
    }
    let mut out = KnownMap::new();
    for ((workspace, platform), exts) in groups {
        let exts: Vec<&str> = exts.into_iter().collect();
        for chunk in exts.chunks(500) {
            let placeholders = crate::sql::numbered(3, chunk.len());
            let sql = format!(
                "SELECT id, external_id, handle, display_name, profile_url, followers, verified, email FROM identities \
                 WHERE workspace_id = $1 AND platform = $2 AND external_id IN ({placeholders})"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(workspace)
                .bind(platform);
            for ext in chunk {
                query = query.bind(*ext);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let known = Known {
                    id: get(&row, "id")?,
                    handle: get(&row, "handle")?,
                    display_name: get(&row, "display_name")?,
                    profile_url: get(&row, "profile_url")?,
                    followers: get(&row, "followers")?,
                    verified: get::<i64>(&row, "verified")? != 0,
                    email: get(&row, "email")?,
                };
                out.insert((workspace, platform, get(&row, "external_id")?), known);
            }
        }
    }
    Ok(out)
}

pub(crate) async fn by_id(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: IdentityId,
) -> Result<Identity, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM identities WHERE id = $1 AND workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub(crate) async fn profile(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: MemberId,
) -> Result<MemberProfile, StoreError> {
    let row = sqlx::query("SELECT id, workspace_id, display_name, created_at FROM members WHERE id = $1 AND workspace_id = $2")
        .bind(id.get())
        .bind(workspace.get())
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    let member = Member {
        id: MemberId(get(&row, "id")?),
        workspace_id: WorkspaceId(get(&row, "workspace_id")?),
        display_name: get(&row, "display_name")?,
        created_at: ts(get(&row, "created_at")?)?,
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM identities WHERE member_id = $1 ORDER BY first_seen, id"
    )))
    .bind(id.get())
    .fetch_all(pool)
    .await?;
    let identities = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(MemberProfile { member, identities })
}

/// Members, identities, and members with identities on more than one platform.
pub(crate) async fn counts(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<crate::MemberCounts, StoreError> {
    // CAST: PostgreSQL's SUM over BIGINT is NUMERIC, which the Any driver cannot decode as i64.
    let row = sqlx::query(
        "SELECT COUNT(*) AS members, CAST(COALESCE(SUM(n), 0) AS BIGINT) AS identities, \
         CAST(COALESCE(SUM(CASE WHEN platforms > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS multi \
         FROM (SELECT member_id, COUNT(*) AS n, COUNT(DISTINCT platform) AS platforms \
         FROM identities WHERE workspace_id = $1 GROUP BY member_id) per_member",
    )
    .bind(workspace.get())
    .fetch_one(pool)
    .await?;
    Ok(crate::MemberCounts {
        members: get(&row, "members")?,
        identities: get(&row, "identities")?,
        multi_platform: get(&row, "multi")?,
    })
}

async fn check_member(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    id: MemberId,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE id = $1 AND workspace_id = $2")
            .bind(id.get())
            .bind(workspace.get())
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

pub(crate) async fn merge(
    pool: &AnyPool,
    workspace: WorkspaceId,
    keep: MemberId,
    absorb: MemberId,
) -> Result<MemberProfile, StoreError> {
    if keep == absorb {
        return Err(tend_domain::ValidationError::new(
            "member",
            "cannot merge a member into itself",
        )
        .into());
    }
    let mut tx = pool.begin().await?;
    check_member(&mut tx, workspace, keep).await?;
    check_member(&mut tx, workspace, absorb).await?;
    sqlx::query("UPDATE identities SET member_id = $1 WHERE member_id = $2")
        .bind(keep.get())
        .bind(absorb.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM members WHERE id = $1")
        .bind(absorb.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    profile(pool, workspace, keep).await
}

pub(crate) async fn split(
    pool: &AnyPool,
    workspace: WorkspaceId,
    identity: IdentityId,
) -> Result<MemberProfile, StoreError> {
    let ident = by_id(pool, workspace, identity).await?;
    let mut tx = pool.begin().await?;
    let siblings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM identities WHERE member_id = $1")
        .bind(ident.member_id.get())
        .fetch_one(&mut *tx)
        .await?;
    if siblings <= 1 {
        // Already on its own: splitting is a no-op, not an error.
        tx.commit().await?;
        return profile(pool, workspace, ident.member_id).await;
    }
    let display = ident
        .display_name
        .clone()
        .unwrap_or_else(|| ident.handle.clone());
    let member_id: i64 =
        sqlx::query_scalar("INSERT INTO members (workspace_id, display_name, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(workspace.get())
            .bind(display)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query("UPDATE identities SET member_id = $1 WHERE id = $2")
        .bind(member_id)
        .bind(identity.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    profile(pool, workspace, MemberId(member_id)).await
}

/// Of these identities, those whose member also writes in a community space
/// (forum, chat or Q&A site): a member of the community, not only a voice on social.
pub(crate) async fn community_members(
    pool: &AnyPool,
    backend: crate::sql::Backend,
    workspace: WorkspaceId,
    identities: &[IdentityId],
) -> Result<HashSet<IdentityId>, StoreError> {
    let mut ids: Vec<i64> = identities.iter().map(|i| i.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    let community = COMMUNITY_PLATFORMS
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = HashSet::new();
    for chunk in ids.chunks(400) {
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT i.id FROM identities i WHERE i.workspace_id = {} AND i.id IN ({}) AND EXISTS \
             (SELECT 1 FROM identities j WHERE j.member_id = i.member_id AND j.platform IN ({community}))",
            crate::sql::placeholders(backend, 1, 1),
            crate::sql::placeholders(backend, 2, chunk.len()),
        )))
        .bind(workspace.get());
        for id in chunk {
            query = query.bind(*id);
        }
        out.extend(query.fetch_all(pool).await?.into_iter().map(IdentityId));
    }
    Ok(out)
}

/// The platforms that are community spaces rather than broadcast social networks.
pub const COMMUNITY_PLATFORMS: [&str; 6] = [
    "discourse",
    "discord",
    "slack",
    "matrix",
    "stackexchange",
    "telegram",
];
