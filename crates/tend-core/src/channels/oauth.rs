//! Connecting a channel with OAuth 2.0 (authorisation code with PKCE): the
//! admin starts from the Channels page ([`begin`]), Tend registers itself
//! with the network where it must (Mastodon's `POST /api/v1/apps`), keeps the
//! PKCE verifier and the client's secret sealed under a random `state`, and
//! sends the admin to the network's consent page; the network sends them
//! back with a code ([`finish`]), which Tend trades for tokens with the
//! verifier, then connects the channel as any other (`connect`: the tokens
//! are checked with the network and sealed). Refreshing expired tokens is the
//! connector's (`Connector::refreshed`, stored by the read job).

use super::{ChannelStatus, ChannelsError, Connect, connect, secrets::SecretBox};
use crate::team::permissions::{Actor, Permission};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_channels::live::{ChannelConfig, http, mastodon, oauth};
use tend_store::prelude::*;

/// How long an admin has on the network's consent page.
pub const PENDING_FOR: SignedDuration = SignedDuration::from_mins(15);

/// What waits, sealed, for the network to send the admin back.
#[derive(Serialize, Deserialize)]
struct Pending {
    name: String,
    config: ChannelConfig,
    backfill_days: Option<i64>,
    verifier: String,
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: String,
    token_endpoint: String,
}

/// Starts connecting a channel with OAuth; answers the network's consent
/// page to send the admin to. `redirect_uri` is Tend's callback address as
/// the admin's browser reaches it. Networks without OAuth are refused.
pub async fn begin(
    store: &dyn Store,
    secrets: &SecretBox,
    actor: Actor,
    request: &Connect,
    redirect_uri: &str,
    now: Timestamp,
) -> Result<String, ChannelsError> {
    actor.require(Permission::Administer)?;
    request.config.validate()?;
    let (client, authorize, token_endpoint, scopes) = match &request.config {
        ChannelConfig::Mastodon { instance, .. } => {
            let base = mastodon::instance_base(instance)?;
            let client = mastodon::register_app(instance, "Tend", redirect_uri).await?;
            (
                client,
                mastodon::authorize_endpoint(&base),
                mastodon::token_endpoint(&base),
                mastodon::SCOPES,
            )
        }
        other => {
            return Err(ChannelsError::Invalid(format!(
                "{} channels are connected with a password or a token, not OAuth",
                other.network()
            )));
        }
    };
    let pkce = oauth::Pkce::new();
    let state = oauth::random_token();
    let url = oauth::authorize_url(&authorize, &client, scopes, &state, &pkce)?;
    let pending = Pending {
        name: request.name.clone(),
        config: request.config.clone(),
        backfill_days: request.backfill_days,
        verifier: pkce.verifier,
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uri: redirect_uri.to_owned(),
        token_endpoint,
    };
    store
        .save_oauth_pending(
            actor.workspace,
            &state,
            actor.author(),
            &secrets.seal_json(&pending),
            now,
        )
        .await?;
    Ok(url)
}

/// Finishes an authorisation: the `state` must be one this workspace started
/// in the last [`PENDING_FOR`] (once), by the same admin; the `code` is
/// traded for tokens with the PKCE verifier, and the channel is connected.
pub async fn finish(
    store: &dyn Store,
    secrets: &SecretBox,
    actor: Actor,
    state: &str,
    code: &str,
    now: Timestamp,
) -> Result<ChannelStatus, ChannelsError> {
    actor.require(Permission::Administer)?;
    let (started_by, sealed) = store
        .take_oauth_pending(actor.workspace, state, now - PENDING_FOR)
        .await
        .map_err(|_| {
            ChannelsError::Invalid(
                "this authorisation is unknown, expired or already used; start again".into(),
            )
        })?;
    if started_by.is_some() && started_by != actor.author() {
        return Err(ChannelsError::Invalid(
            "this authorisation was started by another teammate".into(),
        ));
    }
    let pending: Pending = secrets.open_json(&sealed)?;
    let client = oauth::OAuthClient {
        client_id: pending.client_id,
        client_secret: pending.client_secret,
        redirect_uri: pending.redirect_uri,
    };
    let tokens = oauth::exchange_code(
        &http::client()?,
        &pending.token_endpoint,
        &client,
        code,
        &pending.verifier,
    )
    .await?;
    connect(
        store,
        secrets,
        actor,
        Connect {
            name: pending.name,
            config: pending.config,
            credentials: tokens.into_credentials(&client),
            backfill_days: pending.backfill_days,
        },
        now,
    )
    .await
}
