//! The connector's credentials and budget at work: every request carries the
//! current access token (fetched with the password grant for a script app,
//! or refreshed with the refresh token, HTTP basic client auth either way)
//! shortly before it expires or once when Reddit refuses it; every answer's
//! `X-Ratelimit-*` headers are kept, and no request leaves while the budget
//! is spent.

use super::{Grant, Reddit};
use crate::live::{ChannelError, Credentials, http, oauth};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::{Duration, Instant};

/// What Reddit said about the budget in its last answer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    remaining: f64,
    resets_at: Instant,
}

impl Reddit {
    /// The current access token, fetched or refreshed first when there is
    /// none or it is about to expire.
    async fn token(&self) -> Result<String, ChannelError> {
        let auth = self.auth.lock().await;
        let soon = Timestamp::now() + jiff::SignedDuration::from_secs(60);
        let fresh = |token: &str, expires_at: Option<Timestamp>| {
            !token.is_empty() && expires_at.is_none_or(|at| at > soon)
        };
        let stale = match &*auth {
            Grant::Token(token) => return Ok(token.clone()),
            Grant::OAuth {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => {
                if refresh_token.is_none() || fresh(access_token, *expires_at) {
                    return Ok(access_token.clone());
                }
                access_token.clone()
            }
            Grant::Login {
                access_token,
                expires_at,
                ..
            } => {
                if fresh(access_token, *expires_at) {
                    return Ok(access_token.clone());
                }
                access_token.clone()
            }
        };
        drop(auth);
        self.renew_after(&stale).await
    }

    /// New tokens, unless someone renewed them since `stale` was used.
    pub(super) async fn renew_after(&self, stale: &str) -> Result<String, ChannelError> {
        let mut auth = self.auth.lock().await;
        match &mut *auth {
            Grant::Token(_) => Err(ChannelError::Unauthorized(
                "Reddit refused the access token".into(),
            )),
            Grant::Login { access_token, .. } | Grant::OAuth { access_token, .. }
                if access_token != stale =>
            {
                Ok(access_token.clone())
            }
            Grant::Login {
                access_token,
                expires_at,
                client_id,
                client_secret,
                username,
                password,
            } => {
                let form = [
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ];
                let tokens = self.token_request(client_id, client_secret, &form).await?;
                *access_token = tokens.access_token;
                *expires_at = tokens.expires_at;
                Ok(access_token.clone())
            }
            Grant::OAuth {
                access_token,
                refresh_token,
                expires_at,
                client_id,
                client_secret,
            } => {
                let Some(old_refresh) = refresh_token.clone() else {
                    return Err(ChannelError::Unauthorized(
                        "Reddit refused the access token and there is no refresh token".into(),
                    ));
                };
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", old_refresh.as_str()),
                ];
                let secret = client_secret.clone().unwrap_or_default();
                let tokens = self.token_request(client_id, &secret, &form).await?;
                *access_token = tokens.access_token;
                if tokens.refresh_token.is_some() {
                    *refresh_token = tokens.refresh_token;
                }
                *expires_at = tokens.expires_at;
                let now = Credentials::OAuth {
                    access_token: access_token.clone(),
                    refresh_token: refresh_token.clone(),
                    expires_at: *expires_at,
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                };
                *self.refreshed.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
                Ok(access_token.clone())
            }
        }
    }

    /// `POST /api/v1/access_token` with HTTP basic client auth (an installed
    /// app's secret is empty).
    async fn token_request(
        &self,
        client_id: &str,
        client_secret: &str,
        form: &[(&str, &str)],
    ) -> Result<oauth::Tokens, ChannelError> {
        self.wait_for_budget()?;
        let res = self
            .http
            .post(&self.token_url)
            .basic_auth(client_id, Some(client_secret))
            .form(form)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        // A refused login or refresh token is a 200 `{"error": "invalid_grant"}`
        // or a 400 `{"error": 400}`; a refused client a 401.
        let refused = body.contains("\"error\"") && !body.contains("access_token");
        match status.as_u16() {
            200 if !refused => oauth::parse_tokens(&body, Timestamp::now()),
            200 | 400 | 401 | 403 => Err(ChannelError::Unauthorized(format!(
                "Reddit token endpoint: HTTP {}: {}",
                status.as_u16(),
                http::short(&body)
            ))),
            _ => Err(http::from_status(status, &headers, &body)),
        }
    }

    /// Refuses to send while the budget of the current window is spent.
    fn wait_for_budget(&self) -> Result<(), ChannelError> {
        let budget = *self.budget.lock().unwrap_or_else(|e| e.into_inner());
        match budget {
            Some(b) if b.remaining < 1.0 && b.resets_at > Instant::now() => {
                let wait = b.resets_at.saturating_duration_since(Instant::now());
                Err(ChannelError::RateLimited {
                    retry_after: wait.clamp(Duration::from_secs(1), http::MAX_RETRY_AFTER),
                })
            }
            _ => Ok(()),
        }
    }

    /// Keeps what an answer's `X-Ratelimit-Remaining` and `-Reset` say.
    fn note_budget(&self, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0)
        };
        if let (Some(remaining), Some(reset)) =
            (number("x-ratelimit-remaining"), number("x-ratelimit-reset"))
        {
            let reset = Duration::from_secs_f64(reset.min(http::MAX_RETRY_AFTER.as_secs_f64()));
            *self.budget.lock().unwrap_or_else(|e| e.into_inner()) = Some(Budget {
                remaining,
                resets_at: Instant::now() + reset,
            });
        }
    }

    /// Sends a request signed with the token, within the budget; a refused
    /// token is renewed once and the request sent again.
    pub(super) async fn send(
        &self,
        make: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ChannelError> {
        self.wait_for_budget()?;
        let token = self.token().await?;
        let res = make(&self.http, &token)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        self.note_budget(res.headers());
        let renewable = !matches!(&*self.auth.lock().await, Grant::Token(_));
        if res.status() == StatusCode::UNAUTHORIZED && renewable {
            let token = self.renew_after(&token).await?;
            self.wait_for_budget()?;
            let res = make(&self.http, &token)
                .send()
                .await
                .map_err(http::from_reqwest)?;
            self.note_budget(res.headers());
            return Ok(res);
        }
        Ok(res)
    }
}
