//! Signing in: login sessions and API tokens. The secrets themselves never live in
//! these types; only their SHA-256 hashes are stored.

use crate::{ApiTokenId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A login session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the cookie value.
    pub id_hash: String,
    /// Who is signed in.
    pub user_id: UserId,
    /// The token every state-changing request of this session must carry.
    pub csrf_token: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Last request seen (updated at most every few minutes).
    pub last_seen: Timestamp,
    /// When it ends regardless of use.
    pub expires_at: Timestamp,
}

/// An API token as listed (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Its id.
    pub id: ApiTokenId,
    /// Its owner; the token acts with the owner's roles.
    pub user_id: UserId,
    /// What the owner called it.
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last used.
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked (revoked tokens no longer authenticate).
    pub revoked_at: Option<Timestamp>,
}
