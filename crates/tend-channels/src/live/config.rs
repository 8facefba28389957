//! What a channel is connected with: its settings ([`ChannelConfig`], stored
//! in clear) and its secrets ([`Credentials`], stored encrypted by the
//! caller, never printed).

use super::{ChannelError, Connector};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tend_domain::ChannelKind;

/// A live channel's settings, by network. The set is closed: a network is a
/// code change (a module here), not configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "network", rename_all = "snake_case")]
pub enum ChannelConfig {
    /// Tend's own simulated network for the demo: a member message every
    /// `every_secs` seconds, replies accepted.
    Simulated {
        /// Seconds between two simulated messages.
        every_secs: u64,
    },
    /// Matrix rooms on a homeserver (credentials: an access token, or a
    /// login and password).
    Matrix {
        /// The homeserver's base URL (`https://matrix.example.org`).
        homeserver: String,
        /// Room ids (`!id:server`) or aliases (`#name:server`) to follow;
        /// empty = every room the account has joined.
        #[serde(default)]
        rooms: Vec<String>,
    },
    /// An RSS 2.0 or Atom feed (blog comments, a forum's feed); read-only.
    Rss {
        /// The feed's URL.
        url: String,
    },
}

impl ChannelConfig {
    /// The platform the channel's messages belong to.
    pub fn kind(&self) -> ChannelKind {
        match self {
            ChannelConfig::Simulated { .. } => ChannelKind::Other,
            ChannelConfig::Matrix { .. } => ChannelKind::Matrix,
            ChannelConfig::Rss { .. } => ChannelKind::Rss,
        }
    }

    /// The network's stable name, as in the settings and the CLI.
    pub fn network(&self) -> &'static str {
        match self {
            ChannelConfig::Simulated { .. } => "simulated",
            ChannelConfig::Matrix { .. } => "matrix",
            ChannelConfig::Rss { .. } => "rss",
        }
    }

    /// How often a polled channel is read (streaming channels reconnect at
    /// once when a stream ends).
    pub fn poll_every(&self) -> Duration {
        match self {
            ChannelConfig::Simulated { every_secs } => Duration::from_secs((*every_secs).max(1)),
            // Matrix streams (the /sync long-poll); this is the pause after a
            // stream that failed.
            ChannelConfig::Matrix { .. } => Duration::from_secs(30),
            // Feeds change slowly, and a conditional GET makes a poll cheap.
            ChannelConfig::Rss { .. } => Duration::from_secs(15 * 60),
        }
    }

    /// Checks the settings before anything is stored.
    pub fn validate(&self) -> Result<(), ChannelError> {
        match self {
            ChannelConfig::Simulated { every_secs } if *every_secs == 0 || *every_secs > 3600 => {
                Err(ChannelError::Permanent(
                    "every_secs must be between 1 and 3600".into(),
                ))
            }
            ChannelConfig::Simulated { .. } => Ok(()),
            ChannelConfig::Matrix { homeserver, rooms } => {
                super::matrix::validate(homeserver, rooms)
            }
            ChannelConfig::Rss { url } => super::rss::validate(url),
        }
    }
}

/// The secrets a channel is connected with. `Debug` never prints them; the
/// store keeps them encrypted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Credentials {
    /// No secret (a public feed, the simulated network).
    None,
    /// A login and password: an app password (Bluesky), a mailbox login,
    /// a Matrix bot account.
    Password {
        /// The login (handle, e-mail address, user id).
        username: String,
        /// The password or app password.
        password: String,
    },
    /// A bearer token: a bot token, an API key, an access token made outside
    /// Tend.
    Token {
        /// The token.
        token: String,
    },
    /// Tokens from an OAuth 2.0 authorisation (with PKCE).
    OAuth {
        /// The access token.
        access_token: String,
        /// The refresh token, where the network issues one.
        refresh_token: Option<String>,
        /// When the access token expires, where it does.
        expires_at: Option<jiff::Timestamp>,
        /// The OAuth client the tokens were issued to.
        client_id: String,
        /// Its secret, where the network issued one.
        client_secret: Option<String>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Credentials::None => "None",
            Credentials::Password { .. } => "Password",
            Credentials::Token { .. } => "Token",
            Credentials::OAuth { .. } => "OAuth",
        };
        write!(f, "Credentials::{kind}(redacted)")
    }
}

/// The connector for `config`, signed in with `credentials`.
pub fn connect(
    config: &ChannelConfig,
    credentials: &Credentials,
) -> Result<Box<dyn Connector>, ChannelError> {
    match config {
        ChannelConfig::Simulated { every_secs } => {
            let _ = credentials;
            Ok(Box::new(super::simulated::Simulated::new(*every_secs)))
        }
        ChannelConfig::Matrix { homeserver, rooms } => Ok(Box::new(super::matrix::Matrix::new(
            homeserver,
            rooms,
            credentials,
        )?)),
        ChannelConfig::Rss { url } => {
            let _ = credentials;
            Ok(Box::new(super::rss::Rss::new(url)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_print_their_secrets() {
        let c = Credentials::Password {
            username: "brand".into(),
            password: "hunter2-secret".into(),
        };
        let shown = format!("{c:?} {:?}", Some(&c));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("brand"), "{shown}");
    }

    #[test]
    fn settings_round_trip_through_json_with_their_network_named() {
        let c = ChannelConfig::Simulated { every_secs: 5 };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["network"], "simulated");
        assert_eq!(serde_json::from_value::<ChannelConfig>(json).unwrap(), c);
        assert!(
            ChannelConfig::Simulated { every_secs: 0 }
                .validate()
                .is_err()
        );
    }
}
