//! A teammate's own account settings as use cases: their API tokens and their
//! interface language. Tokens belong to a person, not a workspace, and act with
//! the owner's role in each workspace; a person may create them when any of their
//! roles has `Permission::ManageApiTokens` (so a client-only account may not).
//! The operator's CLI creates tokens with `access::create_token` directly.

use super::permissions::allows;
use super::{Forbidden, Permission};
use crate::access::create_token;
use secrecy::SecretString;
use tend_domain::{ApiToken, ApiTokenId, Role, UserId};
use tend_store::StoreError;
use tend_store::prelude::*;

/// Why an account use case failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountSettingsError {
    /// None of the person's roles allows it.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed (`NotFound` for someone else's token, `Invalid` for a bad name
    /// or locale).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The person's roles, most powerful first (`Role` orders admin first).
async fn roles(store: &dyn Store, user: UserId) -> Result<Vec<Role>, StoreError> {
    let mut roles: Vec<Role> = store
        .user_workspaces(user)
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    roles.sort_unstable();
    Ok(roles)
}

/// Whether any of the person's roles may create API tokens.
pub async fn may_create_tokens(store: &dyn Store, user: UserId) -> Result<bool, StoreError> {
    Ok(roles(store, user)
        .await?
        .into_iter()
        .any(|r| allows(r, Permission::ManageApiTokens)))
}

/// Creates a token for the person; the secret is shown once and never stored.
pub async fn create_own_token(
    store: &dyn Store,
    user: UserId,
    name: &str,
) -> Result<(ApiToken, SecretString), AccountSettingsError> {
    if !may_create_tokens(store, user).await? {
        let role = roles(store, user).await?.first().copied();
        return Err(Forbidden {
            permission: Permission::ManageApiTokens,
            role: role.unwrap_or(Role::Client),
        }
        .into());
    }
    Ok(create_token(store, user, name).await?)
}

/// The person's tokens, newest first, revoked ones included.
pub async fn own_tokens(
    store: &dyn Store,
    user: UserId,
) -> Result<Vec<ApiToken>, AccountSettingsError> {
    Ok(store.api_tokens(user).await?)
}

/// Revokes one of the person's tokens (always allowed: taking access away is
/// never refused); `NotFound` for someone else's.
pub async fn revoke_own_token(
    store: &dyn Store,
    user: UserId,
    id: ApiTokenId,
) -> Result<(), AccountSettingsError> {
    Ok(store.revoke_api_token(user, id).await?)
}

/// Changes the person's interface language (`en` or `sv`).
pub async fn set_locale(
    store: &dyn Store,
    user: UserId,
    locale: &str,
) -> Result<(), AccountSettingsError> {
    Ok(store.set_user_locale(user, locale).await?)
}
