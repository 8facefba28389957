//! Teammates who log in to Tend, and their roles per workspace.

use crate::{UserId, ValidationError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A teammate's role in one workspace. What each role may do is the one
/// permission table, `tend_core::team::permissions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Everything, including members, roles, tokens and settings.
    Admin,
    /// Publishing, listening, analytics; the inbox.
    SocialMediaManager,
    /// Inbox, moderation, members, ideas, events.
    CommunityManager,
    /// Reads everything, writes reports.
    Analyst,
    /// Read-only view of their own workspace (agency clients), plus approvals.
    Client,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::SocialMediaManager,
        Role::CommunityManager,
        Role::Analyst,
        Role::Client,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SocialMediaManager => "social_media_manager",
            Role::CommunityManager => "community_manager",
            Role::Analyst => "analyst",
            Role::Client => "client",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Result<Role, ValidationError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ValidationError::new("role", format!("unknown role {s:?}; one of admin, social_media_manager, community_manager, analyst, client")))
    }
}

/// An e-mail address: trimmed, lower-cased, one `@` with text on both sides and a dot in the domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Validates an address. This is a sanity check, not RFC 5322: the address is
    /// proven by mail actually arriving.
    pub fn parse(s: impl AsRef<str>) -> Result<Email, ValidationError> {
        let s = s.as_ref().trim().to_lowercase();
        let valid = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && s.len() <= 254
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err(ValidationError::new(
                "email",
                format!("{s:?} is not an e-mail address"),
            ));
        }
        Ok(Email(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A teammate as stored (the password hash is kept apart and never serialised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Login and notification address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// UI language (`en` or `sv`).
    pub locale: String,
    /// When the account was created.
    pub created_at: Timestamp,
}

/// What is needed to create a teammate. The caller hashes the password.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Login address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// UI language.
    pub locale: String,
    /// Argon2id PHC string.
    pub password_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse(" Anna@Example.SE ").unwrap().as_str(),
            "anna@example.se"
        );
        for bad in [
            "", "anna", "@x.se", "anna@", "anna@se", "a b@x.se", "a@b@c.se", "a@.se",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn roles_round_trip() {
        // What each role may do is the permission table in tend-core (team::permissions).
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
    }
}
