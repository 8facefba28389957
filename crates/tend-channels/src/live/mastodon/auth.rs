//! The connector's credentials at work: every request is signed with the
//! current token; OAuth tokens are refreshed shortly before they expire, or
//! once when the instance refuses them, and the new ones are kept for
//! [`Connector::refreshed`](crate::live::Connector::refreshed).

use super::{Auth, Mastodon, token_endpoint};
use crate::live::{ChannelError, Credentials, http, oauth};
use jiff::Timestamp;
use reqwest::StatusCode;

impl Mastodon {
    /// The current access token, refreshed first when it is about to expire.
    pub(super) async fn token(&self) -> Result<String, ChannelError> {
        let auth = self.auth.lock().await;
        let stale = match &*auth {
            Auth::Token(token) => return Ok(token.clone()),
            Auth::OAuth {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => {
                let soon = Timestamp::now() + jiff::SignedDuration::from_secs(60);
                if refresh_token.is_none() || expires_at.is_none_or(|at| at > soon) {
                    return Ok(access_token.clone());
                }
                access_token.clone()
            }
        };
        drop(auth);
        self.refresh_after(&stale).await
    }

    /// Refreshes the OAuth tokens unless someone did since `stale` was used.
    pub(super) async fn refresh_after(&self, stale: &str) -> Result<String, ChannelError> {
        let mut auth = self.auth.lock().await;
        let Auth::OAuth {
            access_token,
            refresh_token,
            expires_at,
            client_id,
            client_secret,
        } = &mut *auth
        else {
            return Err(ChannelError::Unauthorized(
                "Mastodon refused the access token".into(),
            ));
        };
        if access_token != stale {
            return Ok(access_token.clone());
        }
        let Some(old_refresh) = refresh_token.clone() else {
            return Err(ChannelError::Unauthorized(
                "Mastodon refused the access token and there is no refresh token".into(),
            ));
        };
        let tokens = oauth::refresh(
            &self.http,
            &token_endpoint(&self.base),
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

    /// Sends a request signed with the token; a refused OAuth token is
    /// refreshed once and the request sent again.
    pub(super) async fn send(
        &self,
        client: &reqwest::Client,
        make: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ChannelError> {
        let token = self.token().await?;
        let res = make(client, &token)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let refreshable = matches!(
            &*self.auth.lock().await,
            Auth::OAuth {
                refresh_token: Some(_),
                ..
            }
        );
        if res.status() == StatusCode::UNAUTHORIZED && refreshable {
            let token = self.refresh_after(&token).await?;
            return make(client, &token)
                .send()
                .await
                .map_err(http::from_reqwest);
        }
        Ok(res)
    }
}
