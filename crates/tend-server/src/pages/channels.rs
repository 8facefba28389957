//! `/w/{slug}/settings/channels`: live channels for admins — every channel with
//! its network, state and health (last read, last good read, last error, token
//! expiry, rate limit, messages received live), "Read now" and "Disconnect"
//! (confirmed on the page, no script needed; the history stays), the "Connect a
//! channel" form, and the workspace's "Stop all sending" switch.
//!
//! Credentials typed into the form go to `tend_core::channels::connect` and are
//! never written back into a page: a refused form comes back with its name,
//! network and settings, and empty secret fields.

use super::{PageCtx, render};
use crate::AppState;
use crate::api::channels::{self as api, ChannelView};
use crate::api::networks::{self, SettingKind};
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tend_channels::live::Credentials;
use tend_channels::live::catalogue::{About, Read, Tested};
use tend_core::channels::health::ChannelProblem;
use tend_core::channels::{self, Connect, DEFAULT_BACKFILL_DAYS};
use tend_core::team::Permission;
use tend_domain::ChannelId;

/// Empty key/value rows the connect form offers beyond those typed.
const SPARE_SETTINGS: usize = 2;

/// A channel as listed.
pub struct ChannelRow {
    id: i64,
    name: String,
    network: String,
    simulated: bool,
    /// `connected`, `disconnected` or `imported`.
    state: String,
    state_label: String,
    connected: bool,
    handle: String,
    last_sync: String,
    last_ok: String,
    last_error: String,
    token_expires: String,
    rate_limited_until: String,
    received: String,
    problem: String,
}

/// What the connect form holds (never a secret).
#[derive(Default)]
pub struct ConnectForm {
    name: String,
    network: String,
    /// The networks' own fields as typed (`s.{network}.{setting}` → value).
    typed: HashMap<String, String>,
    /// Free name/value rows.
    settings: Vec<(String, String)>,
    credentials: String,
    username: String,
    backfill_days: String,
    error: String,
}

impl ConnectForm {
    /// An empty form that shows `error` (a refusal of the OAuth start).
    pub(super) fn refused(name: &str, error: String) -> ConnectForm {
        ConnectForm {
            name: name.to_owned(),
            error,
            ..ConnectForm::default()
        }
    }
}

/// A network in the connect form, with the fields of its required settings.
pub struct NetworkForm {
    name: String,
    simulated: bool,
    fields: Vec<FieldForm>,
    /// Locale keys: what a workspace must obtain, and the limits.
    needs_key: String,
    limits_key: String,
    /// Locale keys of what it does (`channels-cap-…`).
    caps: Vec<String>,
    /// Going live needs the network's app review.
    contract: bool,
}

/// One required setting's field.
pub struct FieldForm {
    /// The setting's name.
    name: String,
    /// The input's name (`s.{network}.{setting}`) and id.
    input: String,
    id: String,
    /// `text`, `number`, `bool`, `list` or `choice`.
    kind: &'static str,
    /// For a choice or yes/no: (word, chosen).
    choices: Vec<(String, bool)>,
    value: String,
}

/// The input name of a network's setting.
fn input_name(network: &str, setting: &str) -> String {
    format!("s.{network}.{setting}")
}

fn network_forms(typed: &HashMap<String, String>) -> Vec<NetworkForm> {
    networks::all()
        .into_iter()
        .map(|n| NetworkForm {
            fields: n
                .settings
                .iter()
                .map(|s| {
                    let input = input_name(&n.name, &s.name);
                    let value = typed.get(&input).cloned().unwrap_or_default();
                    let words = match &s.kind {
                        SettingKind::Choice(words) => words.clone(),
                        SettingKind::Bool => vec!["true".into(), "false".into()],
                        _ => Vec::new(),
                    };
                    FieldForm {
                        name: s.name.clone(),
                        id: format!("setting-{}-{}", n.name, s.name),
                        kind: s.kind.as_str(),
                        choices: words.into_iter().map(|w| (w.clone(), w == value)).collect(),
                        value,
                        input,
                    }
                })
                .collect(),
            needs_key: format!("network-needs-{}", n.name),
            limits_key: format!("network-limits-{}", n.name),
            caps: n.about.map(capabilities).unwrap_or_default(),
            contract: n.about.is_some_and(|a| a.tested == Tested::Contract),
            name: n.name,
            simulated: n.simulated,
        })
        .collect()
}

/// The locale keys of what a network does, in the order shown.
fn capabilities(about: &About) -> Vec<String> {
    let read = match about.read {
        Read::Stream => "channels-cap-stream",
        Read::Poll => "channels-cap-poll",
        Read::Import => "channels-cap-import",
    };
    let mut caps = vec![read.to_owned()];
    for (has, key) in [
        (about.reply, "channels-cap-reply"),
        (about.publish, "channels-cap-publish"),
        (about.delete, "channels-cap-delete"),
    ] {
        if has {
            caps.push(key.to_owned());
        }
    }
    if !about.reply && !about.publish {
        caps.push("channels-cap-read-only".to_owned());
    }
    caps
}

#[derive(Template)]
#[template(path = "channels.html")]
struct ChannelsPage {
    ctx: PageCtx,
    channels: Vec<ChannelRow>,
    networks: Vec<NetworkForm>,
    paused_since: String,
    may_pause: bool,
    done: String,
    form: ConnectForm,
}

/// What a redirect back says was done.
#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub(super) async fn page(
    state: &AppState,
    ws: &Ws,
    done: Option<&str>,
    form: ConnectForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let all = channels::list(&*state.store, ws.actor())
        .await
        .map_err(AppError::from)?;
    let paused = state.store.sending_paused(ws.workspace.id).await?;
    let ctx = PageCtx::for_user(state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let never = ctx.t("channels-never");
    let rows = all
        .into_iter()
        .map(|status| {
            let view = ChannelView::new(status, now);
            let when = |t: Option<jiff::Timestamp>| t.map(|t| ctx.date(&t)).unwrap_or_default();
            let link = view.link.as_ref();
            ChannelRow {
                id: view.channel.id.get(),
                state_label: ctx.t(match view.state.as_str() {
                    "connected" => "channels-state-connected",
                    "disconnected" => "channels-state-disconnected",
                    _ => "channels-state-imported",
                }),
                connected: view.connected(),
                handle: super::shown_handle(
                    view.channel.kind,
                    view.channel.handle.as_deref().unwrap_or_default(),
                ),
                last_sync: link
                    .map(|l| {
                        l.last_sync_at
                            .map(|t| ctx.date(&t))
                            .unwrap_or_else(|| never.clone())
                    })
                    .unwrap_or_default(),
                last_ok: link
                    .map(|l| {
                        l.last_ok_at
                            .map(|t| ctx.date(&t))
                            .unwrap_or_else(|| never.clone())
                    })
                    .unwrap_or_default(),
                last_error: link.and_then(|l| l.last_error.clone()).unwrap_or_default(),
                token_expires: when(link.and_then(|l| l.token_expires_at)),
                rate_limited_until: when(
                    link.and_then(|l| l.rate_limited_until)
                        .filter(|until| *until > now),
                ),
                received: link.map(|l| ctx.num(&l.received)).unwrap_or_default(),
                problem: view
                    .problem_kind
                    .as_ref()
                    .map(|p| problem_text(&ctx, p))
                    .unwrap_or_default(),
                name: view.channel.name,
                network: view.network,
                simulated: view.simulated,
                state: view.state,
            }
        })
        .collect();
    let done = match done {
        Some("connected") => ctx.t("channels-done-connected"),
        Some("sync") => ctx.t("channels-done-sync"),
        Some("disconnected") => ctx.t("channels-done-disconnected"),
        Some("paused") => ctx.t("channels-done-paused"),
        Some("resumed") => ctx.t("channels-done-resumed"),
        _ => String::new(),
    };
    let mut form = form;
    let spare = SPARE_SETTINGS.saturating_sub(form.settings.len()).max(1);
    form.settings
        .extend(std::iter::repeat_n((String::new(), String::new()), spare));
    if form.backfill_days.is_empty() {
        form.backfill_days = DEFAULT_BACKFILL_DAYS.to_string();
    }
    if form.credentials.is_empty() {
        form.credentials = "none".into();
    }
    let mut res = render(&ChannelsPage {
        channels: rows,
        networks: network_forms(&form.typed),
        paused_since: paused.map(|t| ctx.date(&t)).unwrap_or_default(),
        may_pause: ws.may(Permission::MakeRulesLive),
        done,
        form,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /w/{slug}/settings/channels[?done=…]`.
pub async fn channels_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    page(
        &state,
        &ws,
        done.done.as_deref(),
        ConnectForm::default(),
        StatusCode::OK,
    )
    .await
}

/// What is wrong with a channel, in the reader's language.
fn problem_text(ctx: &PageCtx, problem: &ChannelProblem) -> String {
    match problem {
        ChannelProblem::ReadFailed(error) => ctx.ta("channels-problem-failed", "error", error),
        ChannelProblem::Expired(at) => ctx.ta("channels-problem-expired", "when", &ctx.date(at)),
        ChannelProblem::Silent {
            since, every_secs, ..
        } => ctx.lang.targs(
            "channels-problem-silent",
            &[("since", ctx.date(since)), ("every", ctx.num(every_secs))],
        ),
    }
}

pub(super) fn back(ws: &Ws, done: &str) -> Response {
    let slug = ws.workspace.slug.as_str();
    Redirect::to(&format!("/w/{slug}/settings/channels?done={done}")).into_response()
}

/// `POST /w/{slug}/settings/channels`: connects a channel. Fields: `name`,
/// `network`, `s.{network}.{setting}` (the network's required settings),
/// `key`/`value` pairs (any setting), `credentials` (`none`,
/// `password` with `username` and `password`, or `token` with `token`) and
/// `backfill_days`. A refusal (bad settings, the network said no, the name is
/// taken) shows the page again with the reason and the form without secrets.
pub async fn connect_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ws.actor()
        .require(Permission::Administer)
        .map_err(AppError::from)?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let settings: Vec<(String, String)> = values(&fields, "key")
        .zip(values(&fields, "value"))
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let typed: HashMap<String, String> = fields
        .iter()
        .filter(|(k, v)| k.starts_with("s.") && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    let mut form = ConnectForm {
        name: get("name"),
        network: get("network"),
        typed,
        settings,
        credentials: get("credentials"),
        username: get("username"),
        backfill_days: get("backfill_days"),
        error: String::new(),
    };
    let result = async {
        let config = networks::config_of(&form.network, settings_of(&form))?;
        let credentials = credentials(&form, &fields)?;
        let backfill_days = match form.backfill_days.as_str() {
            "" => None,
            days => Some(
                days.parse::<i64>()
                    .map_err(|_| AppError::bad("backfill_days", "must be a whole number"))?,
            ),
        };
        let request = Connect {
            name: form.name.clone(),
            config,
            credentials,
            backfill_days,
        };
        api::connect(&state, &ws, request).await
    }
    .await;
    match result {
        Ok(_) => Ok(back(&ws, "connected")),
        Err(e @ (AppError::BadRequest { .. } | AppError::Rejected(_) | AppError::Conflict(_))) => {
            form.error = match e {
                AppError::BadRequest { field, message } => format!("{field}: {message}"),
                AppError::Rejected(m) | AppError::Conflict(m) => m,
                _ => String::new(),
            };
            page(&state, &ws, None, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The settings of the chosen network: its own fields as typed, then the free
/// rows (which win).
fn settings_of(form: &ConnectForm) -> serde_json::Map<String, serde_json::Value> {
    let mut settings = serde_json::Map::new();
    let chosen = networks::all().into_iter().find(|n| n.name == form.network);
    for s in chosen.iter().flat_map(|n| &n.settings) {
        if let Some(value) = form.typed.get(&input_name(&form.network, &s.name)) {
            settings.insert(s.name.clone(), networks::typed_value(&s.kind, value));
        }
    }
    for (key, value) in &form.settings {
        settings.insert(key.clone(), networks::setting_value(value));
    }
    settings
}

/// Every value posted under `key`, in order.
fn values<'a>(fields: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a String> {
    fields.iter().filter(move |(f, _)| f == key).map(|(_, v)| v)
}

/// The credentials of the form (read from the posted fields; the form keeps
/// only their type and the username).
fn credentials(form: &ConnectForm, fields: &[(String, String)]) -> Result<Credentials, AppError> {
    let secret = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    match form.credentials.as_str() {
        "" | "none" => Ok(Credentials::None),
        "password" => {
            if form.username.is_empty() {
                return Err(AppError::bad("username", "a password needs a username"));
            }
            Ok(Credentials::Password {
                username: form.username.clone(),
                password: secret("password")
                    .ok_or_else(|| AppError::bad("password", "must not be empty"))?,
            })
        }
        "token" => Ok(Credentials::Token {
            token: secret("token").ok_or_else(|| AppError::bad("token", "must not be empty"))?,
        }),
        _ => Err(AppError::bad(
            "credentials",
            "must be none, password or token",
        )),
    }
}

/// `POST /w/{slug}/settings/channels/{id}/sync`: reads a channel now.
pub async fn sync_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    channels::sync_now(&*state.store, ws.actor(), ChannelId(id), state.clock.now())
        .await
        .map_err(AppError::from)?;
    Ok(back(&ws, "sync"))
}

/// `POST /w/{slug}/settings/channels/{id}/disconnect`: disconnects a channel;
/// its messages stay.
pub async fn disconnect_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    channels::disconnect(&*state.store, ws.actor(), ChannelId(id), state.clock.now())
        .await
        .map_err(AppError::from)?;
    Ok(back(&ws, "disconnected"))
}

/// `POST /w/{slug}/settings/sending/{action}` (`pause` or `resume`): stops or
/// resumes all sending of the workspace.
pub async fn sending_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, action)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let paused = match action.as_str() {
        "pause" => true,
        "resume" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    channels::pause_sending(&*state.store, ws.actor(), paused, state.clock.now())
        .await
        .map_err(AppError::from)?;
    Ok(back(&ws, if paused { "paused" } else { "resumed" }))
}
