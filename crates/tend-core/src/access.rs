//! Signing in: login sessions and API tokens.
//!
//! A session is a 256-bit random value in a cookie; the database keeps only its
//! SHA-256, so a copy of the database does not hand out live sessions. Each session
//! has its own CSRF token. API tokens are `tend_` plus 256 random bits, shown once
//! and stored hashed the same way. Both use the operating system's CSPRNG through
//! `rand`'s thread-local generator (ChaCha12 reseeded from the OS).

use crate::accounts::{AccountError, authenticate};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest as _, Sha256};
use tend_domain::{ApiToken, Session, User, UserId};
use tend_store::StoreError;
use tend_store::prelude::*;

/// How long a login lasts.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(14 * 24);
/// What API tokens start with, so secret scanners and people recognise them.
pub const TOKEN_PREFIX: &str = "tend_";

/// 256 random bits, URL-safe base64 without padding (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, hex. A fast hash is right here: the secrets are 256-bit
/// random, so there is nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session just created: the cookie value (shown to the browser only) and the record.
#[derive(Debug)]
pub struct NewLogin {
    /// The cookie value.
    pub cookie: SecretString,
    /// The stored session (hash, CSRF token, expiry).
    pub session: Session,
    /// Who logged in.
    pub user: User,
}

/// Checks a login and opens a session. `None` for a wrong e-mail or password
/// (without saying which).
pub async fn login(
    store: &dyn Store,
    email: &str,
    password: &SecretString,
    now: Timestamp,
) -> Result<Option<NewLogin>, AccountError> {
    let Some(user) = authenticate(store, email, password).await? else {
        return Ok(None);
    };
    let cookie = random_secret();
    let session = Session {
        id_hash: hash_secret(&cookie),
        user_id: user.id,
        csrf_token: random_secret(),
        created_at: now,
        last_seen: now,
        expires_at: now.saturating_add(SESSION_LIFETIME).unwrap_or(now),
    };
    store.create_session(&session).await?;
    Ok(Some(NewLogin {
        cookie: SecretString::from(cookie),
        session,
        user,
    }))
}

/// The live session for a cookie value, with its user; `None` when unknown or expired.
pub async fn resolve_session(
    store: &dyn Store,
    cookie: &str,
    now: Timestamp,
) -> Result<Option<(Session, User)>, StoreError> {
    if cookie.is_empty() || cookie.len() > 128 {
        return Ok(None);
    }
    match store.session(&hash_secret(cookie), now).await {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Ends the session of a cookie value (idempotent).
pub async fn logout(store: &dyn Store, cookie: &str) -> Result<(), StoreError> {
    store.delete_session(&hash_secret(cookie)).await
}

/// Creates an API token; the returned secret is shown once and never stored.
pub async fn create_token(
    store: &dyn Store,
    user: UserId,
    name: &str,
) -> Result<(ApiToken, SecretString), StoreError> {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let token = store
        .create_api_token(user, name, &prefix, &hash_secret(&secret))
        .await?;
    Ok((token, SecretString::from(secret)))
}

/// The unrevoked token with this secret and its owner; `None` otherwise.
pub async fn resolve_token(
    store: &dyn Store,
    secret: &SecretString,
) -> Result<Option<(ApiToken, User)>, StoreError> {
    let secret = secret.expose_secret();
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    match store.api_token_user(&hash_secret(secret)).await {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bit_and_distinct() {
        let a = random_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, random_secret());
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
