//! Accounts: creating teammates with hashed passwords, checking logins, and
//! bootstrapping the first admin of a fresh installation.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tend_domain::{Email, NewUser, NewWorkspace, Role, Slug, User, ValidationError, Workspace};
use tend_store::StoreError;
use tend_store::prelude::*;

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Input failed validation.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed (should not happen with valid parameters).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id baseline: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the password policy.
pub fn check_password_policy(password: &SecretString) -> Result<(), ValidationError> {
    let n = password.expose_secret().chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(ValidationError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > 1024 {
        return Err(ValidationError::new(
            "password",
            "must be at most 1024 characters",
        ));
    }
    Ok(())
}

/// Hashes a password as an Argon2id PHC string.
pub fn hash_password(password: &SecretString) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &SecretString, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => argon2()
            .verify_password(password.expose_secret().as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Creates a teammate with a hashed password.
pub async fn create_user(
    store: &dyn Store,
    email: &str,
    name: &str,
    locale: &str,
    password: &SecretString,
) -> Result<User, AccountError> {
    let email = Email::parse(email)?;
    check_password_policy(password)?;
    if !matches!(locale, "en" | "sv") {
        return Err(ValidationError::new("locale", "must be en or sv").into());
    }
    let password_hash = hash_password(password)?;
    Ok(store
        .create_user(&NewUser {
            email,
            name: name.trim().to_owned(),
            locale: locale.to_owned(),
            password_hash,
        })
        .await?)
}

/// Checks a login. Returns the user when the e-mail exists and the password matches;
/// `None` otherwise (the caller must not reveal which of the two failed).
pub async fn authenticate(
    store: &dyn Store,
    email: &str,
    password: &SecretString,
) -> Result<Option<User>, AccountError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    match store.user_credentials(&email).await {
        Ok((user, hash)) => Ok(verify_password(password, &hash).then_some(user)),
        Err(StoreError::NotFound) => {
            // Spend the same time as a real check so response time does not reveal
            // which addresses have accounts.
            let _ = verify_password(password, &DUMMY_HASH);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A real hash of a random password, computed once, to check unknown e-mails against.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let random = SaltString::generate(&mut OsRng);
    hash_password(&SecretString::from(random.as_str().to_owned())).unwrap_or_default()
});

/// Finds the workspace with `slug`, creating it (named after the slug) if missing.
pub async fn ensure_workspace(
    store: &dyn Store,
    slug: &str,
    time_zone: &str,
) -> Result<Workspace, AccountError> {
    match store.workspace_by_slug(slug).await {
        Ok(ws) => Ok(ws),
        Err(StoreError::NotFound) => {
            let new = NewWorkspace::new(Slug::parse(slug)?, slug, time_zone)?;
            Ok(store.create_workspace(&new).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// A teammate to add with [`add_teammate`].
#[derive(Debug)]
pub struct NewTeammate<'a> {
    /// Login e-mail.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Interface language: `en` or `sv`.
    pub locale: &'a str,
    /// Password (checked against the policy, then hashed).
    pub password: &'a SecretString,
    /// Workspace slug; the workspace is created if missing.
    pub workspace_slug: &'a str,
    /// Time zone of a newly created workspace.
    pub time_zone: &'a str,
    /// Role in that workspace.
    pub role: Role,
}

/// Adds a teammate and gives them a role in a workspace (created if missing).
pub async fn add_teammate(
    store: &dyn Store,
    new: &NewTeammate<'_>,
) -> Result<(User, Workspace), AccountError> {
    let workspace = ensure_workspace(store, new.workspace_slug, new.time_zone).await?;
    let user = create_user(store, new.email, new.name, new.locale, new.password).await?;
    store.grant_role(user.id, workspace.id, new.role).await?;
    Ok((user, workspace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn hashes_verify_and_wrong_passwords_do_not() {
        let hash = hash_password(&secret("correct horse battery")).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&secret("correct horse battery"), &hash));
        assert!(!verify_password(&secret("correct horse batter"), &hash));
        assert!(!verify_password(&secret("anything"), "not a hash"));
        assert!(
            DUMMY_HASH.starts_with("$argon2id$"),
            "the timing decoy must be a real hash"
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password_policy(&secret("short")).is_err());
        assert!(check_password_policy(&secret("ten chars!")).is_ok());
    }

    #[tokio::test]
    async fn a_teammate_can_log_in_with_their_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = tend_store::open(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .await
        .unwrap();
        let (user, ws) = add_teammate(
            &*store,
            &NewTeammate {
                email: "Anna@Acme.se",
                name: "Anna",
                locale: "sv",
                password: &secret("a long passphrase"),
                workspace_slug: "acme",
                time_zone: "Europe/Stockholm",
                role: Role::Admin,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            store.role_in(user.id, ws.id).await.unwrap(),
            Some(Role::Admin)
        );
        let ok = authenticate(&*store, "anna@acme.se", &secret("a long passphrase"))
            .await
            .unwrap();
        assert_eq!(ok.map(|u| u.id), Some(user.id));
        assert!(
            authenticate(&*store, "anna@acme.se", &secret("wrong passphrase"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            authenticate(&*store, "nobody@acme.se", &secret("a long passphrase"))
                .await
                .unwrap()
                .is_none()
        );
        // The same e-mail twice is a conflict, and the workspace is reused.
        let again = add_teammate(
            &*store,
            &NewTeammate {
                email: "anna@acme.se",
                name: "A",
                locale: "en",
                password: &secret("a long passphrase"),
                workspace_slug: "acme",
                time_zone: "UTC",
                role: Role::Analyst,
            },
        )
        .await;
        assert!(matches!(
            again,
            Err(AccountError::Store(StoreError::Conflict(_)))
        ));
        assert_eq!(store.list_workspaces().await.unwrap().len(), 1);
    }
}
