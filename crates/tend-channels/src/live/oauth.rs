//! OAuth 2.0 for connectors: the authorisation-code flow with PKCE (RFC 7636,
//! method S256) and refresh tokens (RFC 6749 §6), network-neutral.
//!
//! The flow: make a [`Pkce`] pair and a random `state`
//! ([`random_token`]), send the admin to [`authorize_url`], check the
//! `state` that comes back with the `code`, then [`exchange_code`] with the
//! verifier. The [`Tokens`] become [`Credentials::OAuth`]; connectors call
//! [`refresh`] when the access token expires or is refused.

use super::{ChannelError, Credentials, http};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use rand::RngCore;
use serde::Deserialize;
use sha2::Digest;

/// A PKCE pair: the secret verifier (kept until the code exchange) and its
/// S256 challenge (sent in the authorisation URL).
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// 43 characters from the unreserved set, 256 bits of randomness.
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))` without padding.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkce {{ challenge: {:?}, verifier: redacted }}",
            self.challenge
        )
    }
}

impl Pkce {
    /// A fresh pair.
    pub fn new() -> Pkce {
        Pkce::from_verifier(random_token())
    }

    /// The pair of a given verifier.
    pub fn from_verifier(verifier: String) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Pkce {
        Pkce::new()
    }
}

/// 32 random bytes, base64url: for a PKCE verifier or an OAuth `state`.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An OAuth client as registered with the network.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, for confidential clients.
    pub client_secret: Option<String>,
    /// Where the network sends the admin back with the code.
    pub redirect_uri: String,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The address to send the admin to: `endpoint` with `response_type=code`,
/// the client, the scopes, `state` and the S256 challenge.
pub fn authorize_url(
    endpoint: &str,
    client: &OAuthClient,
    scopes: &str,
    state: &str,
    pkce: &Pkce,
) -> Result<String, ChannelError> {
    let mut url = reqwest::Url::parse(endpoint).map_err(|e| {
        ChannelError::Permanent(format!("authorize endpoint {endpoint:?} is not a URL: {e}"))
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client.client_id)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", scopes)
        .append_pair("state", state)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// What a token endpoint granted.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<String>,
    /// When the access token expires, when the network says.
    pub expires_at: Option<Timestamp>,
    /// The scopes granted.
    pub scope: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// The credentials to store for `client`.
    pub fn into_credentials(self, client: &OAuthClient) -> Credentials {
        Credentials::OAuth {
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            expires_at: self.expires_at,
            client_id: client.client_id.clone(),
            client_secret: client.client_secret.clone(),
        }
    }
}

/// Trades the code from the redirect for tokens, proving the PKCE verifier.
pub async fn exchange_code(
    client: &reqwest::Client,
    token_endpoint: &str,
    oauth: &OAuthClient,
    code: &str,
    verifier: &str,
) -> Result<Tokens, ChannelError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", oauth.redirect_uri.as_str()),
        ("client_id", oauth.client_id.as_str()),
        ("code_verifier", verifier),
    ];
    if let Some(secret) = &oauth.client_secret {
        form.push(("client_secret", secret));
    }
    token_request(client, token_endpoint, &form).await
}

/// A new access token (and usually a new refresh token) for a refresh token.
pub async fn refresh(
    client: &reqwest::Client,
    token_endpoint: &str,
    client_id: &str,
    client_secret: Option<&str>,
    refresh_token: &str,
) -> Result<Tokens, ChannelError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret));
    }
    token_request(client, token_endpoint, &form).await
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    scope: Option<String>,
}

async fn token_request(
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<Tokens, ChannelError> {
    let res = client
        .post(endpoint)
        .form(form)
        .send()
        .await
        .map_err(http::from_reqwest)?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.map_err(http::from_reqwest)?;
    if !status.is_success() {
        // A refused grant or client means the authorisation is gone: an
        // admin must connect again.
        let refused = body.contains("invalid_grant") || body.contains("invalid_client");
        return Err(if status.as_u16() == 400 && refused {
            ChannelError::Unauthorized(format!("token endpoint: {}", http::short(&body)))
        } else {
            http::from_status(status, &headers, &body)
        });
    }
    parse_tokens(&body, Timestamp::now())
}

/// Reads a token endpoint's answer; `now` dates `expires_in`.
pub fn parse_tokens(body: &str, now: Timestamp) -> Result<Tokens, ChannelError> {
    let answer: TokenAnswer = serde_json::from_str(body).map_err(|e| {
        ChannelError::Transient(format!("token endpoint answer: {e}: {}", http::short(body)))
    })?;
    if answer.access_token.is_empty() {
        return Err(ChannelError::Transient(
            "token endpoint answer: access_token is empty".into(),
        ));
    }
    let expires_at = answer
        .expires_in
        .filter(|secs| *secs > 0)
        .and_then(|secs| now.checked_add(jiff::SignedDuration::from_secs(secs)).ok());
    Ok(Tokens {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token.filter(|t| !t.is_empty()),
        expires_at,
        scope: answer.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let fresh = Pkce::new();
        assert_eq!(fresh.verifier.len(), 43);
        assert_ne!(fresh.verifier, Pkce::new().verifier);
        assert!(!format!("{fresh:?}").contains(&fresh.verifier));
    }

    #[test]
    fn the_authorize_url_carries_state_and_challenge() {
        let client = OAuthClient {
            client_id: "cid".into(),
            client_secret: None,
            redirect_uri: "http://127.0.0.1:9/cb".into(),
        };
        let pkce = Pkce::from_verifier("v".repeat(43));
        let url = authorize_url(
            "https://m.example/oauth/authorize",
            &client,
            "read write",
            "s&1",
            &pkce,
        )
        .unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("state".into(), "s&1".into())));
        assert!(pairs.contains(&("code_challenge".into(), pkce.challenge.clone())));
        assert!(pairs.contains(&("code_challenge_method".into(), "S256".into())));
        assert!(authorize_url("not a url", &client, "read", "s", &pkce).is_err());
    }

    #[test]
    fn token_answers_are_read_with_their_expiry() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let t = parse_tokens(
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"r"}"#,
            now,
        )
        .unwrap();
        assert_eq!(
            t.expires_at,
            Some(Timestamp::from_second(1_800_000_060).unwrap())
        );
        assert_eq!(t.refresh_token.as_deref(), Some("r"));
        assert!(matches!(
            parse_tokens("{\"error\":1}", now),
            Err(ChannelError::Transient(m)) if m.contains("access_token")
        ));
    }
}
