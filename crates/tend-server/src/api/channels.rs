//! `/api/w/{slug}/channels`: live channels (admins) — every channel of the
//! workspace with its live status and health, connecting one (the credentials
//! are checked with the network, then sealed; they never come back), reading
//! one now and disconnecting one (its history stays) — and `/sending/pause` and
//! `/resume`, the workspace's "stop all sending".
//!
//! The networks and their settings are `super::networks`'s.

use super::Body;
use super::networks::{self, NetworkView, SIMULATED, config_of};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{ApiError, AppError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_channels::live::Credentials;
use tend_core::channels::{self, ChannelStatus, Connect};
use tend_domain::{Channel, ChannelId, ChannelLink, LinkState};
use utoipa::ToSchema;

/// A channel as admins see it: the channel, its link to the network (never
/// its credentials), and its health.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// The channel.
    pub channel: Channel,
    /// How it is connected live (`null` for a channel filled by imports).
    pub link: Option<ChannelLink>,
    /// `connected`, `disconnected` or `imported`.
    pub state: String,
    /// The network (`simulated`, `mastodon` …), or the platform of an
    /// imported channel.
    pub network: String,
    /// Whether this is Tend's simulated demo network (nothing leaves Tend).
    pub simulated: bool,
    /// What is wrong with its reading, in a sentence (`null` when healthy).
    pub problem: Option<String>,
    /// The same, for the page to say in the reader's language.
    #[serde(skip)]
    pub problem_kind: Option<tend_core::channels::health::ChannelProblem>,
}

impl ChannelView {
    /// The view of `status` at `now`.
    pub fn new(status: ChannelStatus, now: Timestamp) -> ChannelView {
        let (state, network) = match &status.link {
            Some(l) => (l.state.as_str().to_owned(), l.network.clone()),
            None => (
                "imported".to_owned(),
                status.channel.kind.as_str().to_owned(),
            ),
        };
        let problem = status
            .link
            .as_ref()
            .and_then(|l| tend_core::channels::health::channel_problem(l, now));
        ChannelView {
            simulated: network == SIMULATED,
            problem: problem.as_ref().map(ToString::to_string),
            problem_kind: problem,
            channel: status.channel,
            link: status.link,
            state,
            network,
        }
    }

    /// Whether it reads live now.
    pub fn connected(&self) -> bool {
        self.link
            .as_ref()
            .is_some_and(|l| l.state == LinkState::Connected)
    }
}

/// The body of `POST /api/w/{slug}/channels`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ConnectBody {
    /// The channel's name in Tend (unique in the workspace).
    pub name: String,
    /// The network: one of `networks` in `GET /api/w/{slug}/channels`.
    pub network: String,
    /// The network's settings (`{"every_secs": 30}` for `simulated`,
    /// an instance URL for a fediverse server …). Not secret.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// The secrets: `{"type": "none"}` (the default),
    /// `{"type": "password", "username": …, "password": …}` or
    /// `{"type": "token", "token": …}`. Stored encrypted; never answered.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub credentials: Option<Credentials>,
    /// Days of history to read when connecting (0–365, default 7).
    #[serde(default)]
    pub backfill_days: Option<i64>,
}

/// The channels listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelsList {
    /// Every channel of the workspace, by name.
    pub channels: Vec<ChannelView>,
    /// The networks a channel can be connected to, with their settings.
    pub networks: Vec<NetworkView>,
    /// Since when all sending of the workspace is stopped (`null`: it is on).
    pub sending_paused_since: Option<Timestamp>,
}

/// Whether the workspace sends.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sending {
    /// Whether all sending is stopped.
    pub paused: bool,
    /// Since when.
    pub paused_since: Option<Timestamp>,
}

/// The secret box, or why channels cannot be connected without one.
pub(crate) fn secrets(state: &AppState) -> Result<&channels::secrets::SecretBox, AppError> {
    state.secrets.as_ref().ok_or_else(|| {
        AppError::Rejected(
            "channels cannot be connected: no secret key is configured to seal their \
             credentials ([channels] secret_key in the configuration)"
                .into(),
        )
    })
}

/// Connects a channel (`tend_core::channels::connect`) as the page and the
/// API do it.
/// A refusal's words never carry the secrets given, even if a network's
/// answer quoted them.
pub async fn connect(state: &AppState, ws: &Ws, request: Connect) -> Result<ChannelView, AppError> {
    let now = state.clock.now();
    let secrets = secrets(state)?;
    let given = secrets_in(&request.credentials);
    let status = channels::connect(&*state.store, secrets, ws.actor(), request, now)
        .await
        .map_err(|e| redact(AppError::from(e), &given))?;
    Ok(ChannelView::new(status, now))
}

/// The secret strings of `credentials` (not the username).
fn secrets_in(credentials: &Credentials) -> Vec<String> {
    let all = match credentials {
        Credentials::None => vec![],
        Credentials::Password { password, .. } => vec![Some(password.clone())],
        Credentials::Token { token } => vec![Some(token.clone())],
        Credentials::OAuth {
            access_token,
            refresh_token,
            client_secret,
            ..
        } => vec![
            Some(access_token.clone()),
            refresh_token.clone(),
            client_secret.clone(),
        ],
        Credentials::ClientLogin {
            client_secret,
            password,
            ..
        } => vec![Some(client_secret.clone()), Some(password.clone())],
    };
    all.into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every string in `value` (the credentials as sent, whatever their shape).
fn strings_in(value: Option<&serde_json::Value>) -> Vec<String> {
    match value {
        Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => {
            items.iter().flat_map(|v| strings_in(Some(v))).collect()
        }
        Some(serde_json::Value::Object(fields)) => {
            fields.values().flat_map(|v| strings_in(Some(v))).collect()
        }
        _ => Vec::new(),
    }
}

/// `error` with every occurrence of a secret in its words blanked out.
fn redact(error: AppError, secrets: &[String]) -> AppError {
    let clean = |text: String| {
        secrets.iter().fold(text, |text, secret| {
            text.replace(secret.as_str(), "[secret]")
        })
    };
    match error {
        AppError::Rejected(m) => AppError::Rejected(clean(m)),
        AppError::Conflict(m) => AppError::Conflict(clean(m)),
        AppError::BadRequest { field, message } => AppError::BadRequest {
            field,
            message: clean(message),
        },
        other => other,
    }
}

/// Every channel of the workspace with its live status and health (admins).
#[utoipa::path(
    get,
    path = "/api/w/{slug}/channels",
    tag = "channels",
    params(("slug" = String, Path, description = "The workspace")),
    responses((status = 200, description = "The channels", body = ChannelsList))
)]
pub async fn list_channels(
    State(state): State<AppState>,
    ws: Ws,
) -> Result<Json<ChannelsList>, ApiError> {
    let now = state.clock.now();
    let all = channels::list(&*state.store, ws.actor()).await?;
    Ok(Json(ChannelsList {
        channels: all.into_iter().map(|s| ChannelView::new(s, now)).collect(),
        networks: networks::all().into_iter().map(NetworkView::from).collect(),
        sending_paused_since: state.store.sending_paused(ws.workspace.id).await?,
    }))
}

/// Connects a channel: the network checks the credentials first; a refusal
/// answers 422 with the network's words (admins).
#[utoipa::path(
    post,
    path = "/api/w/{slug}/channels",
    tag = "channels",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = ConnectBody,
    responses(
        (status = 201, description = "Connected; its reads are scheduled", body = ChannelView),
        (status = 409, description = "The name is taken", body = super::ErrorBody),
        (status = 422, description = "The network refused, or no secret key is configured", body = super::ErrorBody),
    )
)]
pub async fn connect_channel(
    State(state): State<AppState>,
    ws: Ws,
    Body(raw): Body<serde_json::Value>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    // The role first: a refused caller learns nothing about the settings.
    ws.actor()
        .require(tend_core::team::Permission::Administer)
        .map_err(AppError::from)?;
    // Read here rather than by `Body<ConnectBody>`, so a refusal never quotes
    // a secret sent in the wrong shape (serde repeats the strings it refuses).
    let given = strings_in(raw.get("credentials"));
    let body: ConnectBody = serde_json::from_value(raw)
        .map_err(|e| redact(AppError::bad("body", e.to_string()), &given))?;
    let request = Connect {
        name: body.name,
        config: config_of(&body.network, body.settings)?,
        credentials: body.credentials.unwrap_or(Credentials::None),
        backfill_days: body.backfill_days,
    };
    let view = connect(&state, &ws, request).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One channel with its live status and health (admins).
#[utoipa::path(
    get,
    path = "/api/w/{slug}/channels/{id}",
    tag = "channels",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The channel")
    ),
    responses((status = 200, description = "The channel", body = ChannelView))
)]
pub async fn get_channel(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<ChannelView>, ApiError> {
    let status = channels::status(&*state.store, ws.actor(), ChannelId(id)).await?;
    Ok(Json(ChannelView::new(status, state.clock.now())))
}

/// Reads a connected channel now: its read is queued at once (admins). A
/// channel that is not connected answers 422.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/channels/{id}/sync",
    tag = "channels",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The channel")
    ),
    responses(
        (status = 202, description = "The read is queued", body = ChannelView),
        (status = 422, description = "The channel is not connected", body = super::ErrorBody),
    )
)]
pub async fn sync_channel(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    let now = state.clock.now();
    let id = ChannelId(id);
    channels::sync_now(&*state.store, ws.actor(), id, now).await?;
    let status = channels::status(&*state.store, ws.actor(), id).await?;
    Ok((StatusCode::ACCEPTED, Json(ChannelView::new(status, now))))
}

/// Disconnects a channel: its credentials are wiped and its reads stop; its
/// messages stay (admins).
#[utoipa::path(
    delete,
    path = "/api/w/{slug}/channels/{id}",
    tag = "channels",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The channel")
    ),
    responses((status = 200, description = "Disconnected", body = ChannelView))
)]
pub async fn disconnect_channel(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<ChannelView>, ApiError> {
    let now = state.clock.now();
    let id = ChannelId(id);
    channels::disconnect(&*state.store, ws.actor(), id, now).await?;
    let status = channels::status(&*state.store, ws.actor(), id).await?;
    Ok(Json(ChannelView::new(status, now)))
}

async fn set_sending(state: &AppState, ws: &Ws, paused: bool) -> Result<Sending, AppError> {
    channels::pause_sending(&*state.store, ws.actor(), paused, state.clock.now()).await?;
    let since = state.store.sending_paused(ws.workspace.id).await?;
    Ok(Sending {
        paused: since.is_some(),
        paused_since: since,
    })
}

/// Stops all sending of the workspace: queued replies wait (admins and social
/// media managers).
#[utoipa::path(
    post,
    path = "/api/w/{slug}/sending/pause",
    tag = "channels",
    params(("slug" = String, Path, description = "The workspace")),
    responses((status = 200, description = "Sending is stopped", body = Sending))
)]
pub async fn pause_sending(
    State(state): State<AppState>,
    ws: Ws,
) -> Result<Json<Sending>, ApiError> {
    Ok(Json(set_sending(&state, &ws, true).await?))
}

/// Resumes sending: the replies that waited go out (admins and social media
/// managers).
#[utoipa::path(
    post,
    path = "/api/w/{slug}/sending/resume",
    tag = "channels",
    params(("slug" = String, Path, description = "The workspace")),
    responses((status = 200, description = "Sending is on", body = Sending))
)]
pub async fn resume_sending(
    State(state): State<AppState>,
    ws: Ws,
) -> Result<Json<Sending>, ApiError> {
    Ok(Json(set_sending(&state, &ws, false).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_that_quotes_a_secret_is_blanked() {
        let credentials = Credentials::Password {
            username: "brand".into(),
            password: "hunter2".into(),
        };
        let said =
            AppError::Rejected("the network refused the credentials: hunter2 is wrong".into());
        let shown = redact(said, &secrets_in(&credentials));
        assert!(
            matches!(&shown, AppError::Rejected(m) if m == "the network refused the credentials: [secret] is wrong"),
            "{shown:?}"
        );
        assert!(secrets_in(&Credentials::None).is_empty());
    }
}
