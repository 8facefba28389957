//! How a call goes out and what its answer means: counted against the
//! quota first, signed with the current access token (refreshed shortly
//! before it expires, or once when refused, the new tokens kept for
//! [`Connector::refreshed`](crate::live::Connector::refreshed)) or carrying
//! the API key, and a refusal mapped from Google's error envelope.

use super::{Grant, LIST_UNITS, Youtube, api};
use crate::live::{ChannelError, Credentials, http, oauth};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

impl Youtube {
    /// The current access token, refreshed first when it is about to expire.
    async fn token(&self) -> Result<Option<String>, ChannelError> {
        let auth = self.auth.lock().await;
        let stale = match &*auth {
            Grant::Key(_) => return Ok(None),
            Grant::OAuth {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => {
                let soon = Timestamp::now() + jiff::SignedDuration::from_secs(60);
                if refresh_token.is_none() || expires_at.is_none_or(|at| at > soon) {
                    return Ok(Some(access_token.clone()));
                }
                access_token.clone()
            }
        };
        drop(auth);
        self.refresh_after(&stale).await.map(Some)
    }

    async fn refresh_after(&self, stale: &str) -> Result<String, ChannelError> {
        let mut auth = self.auth.lock().await;
        let Grant::OAuth {
            access_token,
            refresh_token,
            expires_at,
            client_id,
            client_secret,
        } = &mut *auth
        else {
            return Err(ChannelError::Unauthorized(
                "YouTube refused the API key".into(),
            ));
        };
        if access_token != stale {
            return Ok(access_token.clone());
        }
        let Some(old_refresh) = refresh_token.clone() else {
            return Err(ChannelError::Unauthorized(
                "YouTube refused the access token and there is no refresh token".into(),
            ));
        };
        let tokens = oauth::refresh(
            &self.http,
            &self.token_url,
            client_id,
            client_secret.as_deref(),
            &old_refresh,
        )
        .await?;
        *access_token = tokens.access_token;
        if tokens.refresh_token.is_some() {
            *refresh_token = tokens.refresh_token;
        }
        *expires_at = tokens.expires_at;
        *self.refreshed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Credentials::OAuth {
            access_token: access_token.clone(),
            refresh_token: refresh_token.clone(),
            expires_at: *expires_at,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        });
        Ok(access_token.clone())
    }

    /// Sends a call costing `units`, signed with the token (or the key); a
    /// refused token is refreshed once and the call sent again.
    pub(super) async fn send(
        &self,
        units: u64,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ChannelError> {
        self.spend(units)?;
        let token = self.token().await?;
        let req = match &token {
            Some(t) => make(&self.http).bearer_auth(t),
            None => make(&self.http),
        };
        let res = req.send().await.map_err(http::from_reqwest)?;
        if res.status() == StatusCode::UNAUTHORIZED
            && let Some(stale) = &token
        {
            let fresh = self.refresh_after(stale).await?;
            self.spend(units)?;
            return make(&self.http)
                .bearer_auth(fresh)
                .send()
                .await
                .map_err(http::from_reqwest);
        }
        Ok(res)
    }

    /// The address of an API call, with the API key when the channel reads
    /// with one.
    pub(super) fn url(&self, path_and_query: &str) -> String {
        let url = format!("{}/youtube/v3/{path_and_query}", self.api);
        match (&self.key, reqwest::Url::parse(&url)) {
            (Some(key), Ok(mut parsed)) => {
                parsed.query_pairs_mut().append_pair("key", key);
                parsed.into()
            }
            _ => url,
        }
    }

    pub(super) async fn get(&self, path_and_query: &str) -> Result<String, ChannelError> {
        let url = self.url(path_and_query);
        let res = self.send(LIST_UNITS, |c| c.get(&url)).await?;
        self.answer(res, path_and_query).await
    }

    /// The body of a successful answer, or the error it means.
    pub(super) async fn answer(
        &self,
        res: reqwest::Response,
        what: &str,
    ) -> Result<String, ChannelError> {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        if status.is_success() {
            return Ok(body);
        }
        Err(self.error(status, &headers, &body, what))
    }

    fn error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &str,
        what: &str,
    ) -> ChannelError {
        let what = what.split('?').next().unwrap_or(what);
        let reason = api::error_reason(body).unwrap_or_default();
        let said = format!(
            "youtube {what}: HTTP {} {reason}: {}",
            status.as_u16(),
            http::short(body)
        );
        match (status.as_u16(), reason.as_str()) {
            (_, "quotaExceeded" | "dailyLimitExceeded") => self.exhausted(),
            (429, _) | (403, "rateLimitExceeded" | "userRateLimitExceeded") => {
                ChannelError::RateLimited {
                    retry_after: http::retry_after(headers).unwrap_or(Duration::from_secs(60)),
                }
            }
            (401, _) | (400, "keyInvalid") | (403, "insufficientPermissions" | "authError") => {
                ChannelError::Unauthorized(said)
            }
            (400..=499, _) => ChannelError::Permanent(said),
            _ => match http::from_status(status, headers, body) {
                ChannelError::Transient(_) => ChannelError::Transient(said),
                other => other,
            },
        }
    }
}
