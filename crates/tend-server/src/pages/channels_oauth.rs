//! Connecting a channel with OAuth from the Channels page: the form sends the
//! admin to the network's consent page (`tend_core::channels::oauth::begin`),
//! and the network sends them back to the callback here, which finishes the
//! connection (`oauth::finish`). The callback address is this server as the
//! admin's browser reaches it (the `Host` header; `https` when cookies are
//! `Secure`).

use super::channels::{ConnectForm, back, page};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tend_channels::live::{ChannelConfig, Credentials};
use tend_core::channels::{Connect, oauth};
use tend_core::team::Permission;

/// The form: the channel's name, the instance, the days to read back.
#[derive(Deserialize)]
pub struct Start {
    name: String,
    instance: String,
    #[serde(default)]
    backfill_days: String,
}

/// What the network sends back: the `state` and the `code`, or an `error`.
#[derive(Deserialize)]
pub struct Callback {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn callback_url(state: &AppState, headers: &HeaderMap, slug: &str) -> Result<String, AppError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .ok_or_else(|| AppError::bad("host", "the request has no usable Host header"))?;
    let scheme = if state.secure_cookies {
        "https"
    } else {
        "http"
    };
    Ok(format!(
        "{scheme}://{host}/w/{slug}/settings/channels/oauth/callback"
    ))
}

/// Shows the Channels page again with `error` (nothing secret is in it).
async fn refused(
    state: &AppState,
    ws: &Ws,
    name: &str,
    error: String,
) -> Result<Response, PageError> {
    let form = ConnectForm::refused(name, error);
    page(state, ws, None, form, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /w/{slug}/settings/channels/oauth`: starts the authorisation and
/// sends the admin to the instance's consent page.
pub async fn start(
    State(state): State<AppState>,
    ws: Ws,
    headers: HeaderMap,
    Form(form): Form<Start>,
) -> Result<Response, PageError> {
    ws.actor()
        .require(Permission::Administer)
        .map_err(AppError::from)?;
    let secrets = crate::api::channels::secrets(&state)?;
    let backfill_days = match form.backfill_days.trim() {
        "" => None,
        days => match days.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) => {
                return refused(
                    &state,
                    &ws,
                    &form.name,
                    "backfill_days: must be a whole number".into(),
                )
                .await;
            }
        },
    };
    let request = Connect {
        name: form.name.trim().to_owned(),
        config: ChannelConfig::Mastodon {
            instance: form.instance.trim().to_owned(),
            account: None,
        },
        credentials: Credentials::None,
        backfill_days,
    };
    let redirect = callback_url(&state, &headers, ws.workspace.slug.as_str())?;
    match oauth::begin(
        &*state.store,
        secrets,
        ws.actor(),
        &request,
        &redirect,
        state.clock.now(),
    )
    .await
    {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Rejected(m) | AppError::Conflict(m) => {
                refused(&state, &ws, &form.name, m).await
            }
            AppError::BadRequest { field, message } => {
                refused(&state, &ws, &form.name, format!("{field}: {message}")).await
            }
            other => Err(other.into()),
        },
    }
}

/// `GET /w/{slug}/settings/channels/oauth/callback?state=…&code=…`: the
/// network sent the admin back; the channel is connected.
pub async fn callback(
    State(state): State<AppState>,
    ws: Ws,
    Query(back_from): Query<Callback>,
) -> Result<Response, PageError> {
    ws.actor()
        .require(Permission::Administer)
        .map_err(AppError::from)?;
    let secrets = crate::api::channels::secrets(&state)?;
    let (Some(st), Some(code)) = (back_from.state.as_deref(), back_from.code.as_deref()) else {
        let why = back_from
            .error_description
            .or(back_from.error)
            .unwrap_or_else(|| "no authorisation code came back".into());
        let ctx_error =
            crate::pages::PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role)))
                .await?
                .ta("channels-oauth-failed", "error", &why);
        return refused(&state, &ws, "", ctx_error).await;
    };
    match oauth::finish(
        &*state.store,
        secrets,
        ws.actor(),
        st,
        code,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(back(&ws, "connected")),
        Err(e) => match AppError::from(e) {
            AppError::Rejected(m) | AppError::Conflict(m) => refused(&state, &ws, "", m).await,
            other => Err(other.into()),
        },
    }
}
