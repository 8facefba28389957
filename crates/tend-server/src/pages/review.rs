//! The review queue (`/w/{slug}/review`): messages the rules flagged, open ones
//! first (escalated before pending), with the rule that fired, its reason and the
//! message's classifier scores, and the decisions (approve, remove, hide, ban the
//! author, escalate) per row and in bulk. [`load`] and [`decide`] are shared with
//! the JSON API.

use super::{PageCtx, local_path, render};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use crate::i18n::Lang;
use crate::params::ReviewParams;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use tend_core::moderation::review::{self, ReviewData};
use tend_core::team::Permission;
use tend_core::text::excerpt;
use tend_domain::{Channel, ReviewDecision, ReviewId, ReviewStatus, UserId};

/// Open items counted for the badge in the header ("99+" past this).
pub const COUNT_CAP: u32 = 99;

/// Loads a page of the open or decided review items (`tend_core::moderation::review`).
pub async fn load(
    state: &AppState,
    ws: &Ws,
    open: bool,
    before: Option<ReviewId>,
) -> Result<ReviewData, AppError> {
    Ok(review::load(&*state.store, &ws.actor(), open, before).await?)
}

/// How many items are open, up to [`COUNT_CAP`] + 1.
pub async fn open_count(state: &AppState, ws: &Ws) -> Result<usize, AppError> {
    Ok(review::open_count(&*state.store, &ws.actor(), COUNT_CAP + 1).await?)
}

/// The badge text for `n` open items ("99+" past the cap).
pub fn count_label(lang: Lang, n: usize) -> String {
    if n > COUNT_CAP as usize {
        format!("{}+", crate::i18n::format_int(lang, i64::from(COUNT_CAP)))
    } else {
        crate::i18n::format_int(lang, n as i64)
    }
}

/// Parses a decision's name.
pub fn parse_decision(s: &str) -> Result<ReviewDecision, AppError> {
    match s.trim() {
        "approve" => Ok(ReviewDecision::Approve),
        "remove" => Ok(ReviewDecision::Remove),
        "hide" => Ok(ReviewDecision::Hide),
        "ban" => Ok(ReviewDecision::Ban),
        "escalate" => Ok(ReviewDecision::Escalate),
        _ => Err(AppError::bad(
            "decision",
            "must be approve, remove, hide, ban or escalate",
        )),
    }
}

/// The decisions in the order of the buttons, with their shortcut keys.
pub(crate) const DECISIONS: [(&str, &str); 5] = [
    ("approve", "a"),
    ("remove", "r"),
    ("hide", "h"),
    ("ban", "b"),
    ("escalate", "e"),
];

/// One row of the list.
pub struct Row {
    id: i64,
    href: String,
    author: String,
    channel: String,
    excerpt: String,
    when: String,
    rule: String,
    reason: String,
    toxicity: String,
    spam: String,
    sentiment: String,
    status: String,
    escalated: bool,
    decided: String,
}

/// A decision button.
pub struct Button {
    value: &'static str,
    key: &'static str,
    label: String,
}

/// A tab.
pub struct Tab {
    href: String,
    label: String,
    count: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: PageCtx,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    buttons: Vec<Button>,
    can_decide: bool,
    open: bool,
    here: String,
    next_href: String,
}

/// `GET /w/{slug}/review`.
pub async fn review_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<ReviewParams>,
) -> Result<Response, PageError> {
    let open = params.open()?;
    let data = load(&state, &ws, open, params.before.map(ReviewId)).await?;
    let count = open_count(&state, &ws).await?;
    let mut ctx = PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    ctx.review_count = count_label(lang, count);
    let slug = ws.workspace.slug.as_str();
    let base = format!("/w/{slug}/review");
    let channels: HashMap<_, _> = channels(&state, &ws)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let team: HashMap<UserId, String> = state
        .store
        .workspace_users(ws.workspace.id)
        .await?
        .into_iter()
        .map(|(u, _)| (u.id, u.name))
        .collect();
    let rows = data
        .items
        .iter()
        .map(|item| {
            let message = data.messages.get(&item.message_id);
            let author = message
                .and_then(|m| m.author_id)
                .and_then(|a| data.authors.get(&a))
                .map(|i| i.display_name.clone().unwrap_or_else(|| i.handle.clone()))
                .unwrap_or_default();
            let signals = message.and_then(|m| m.signals);
            let score = |f: fn(&tend_domain::Signals) -> f64| {
                signals
                    .map(|s| crate::i18n::format_decimal(lang, f(&s), 2))
                    .unwrap_or_else(|| "–".to_owned())
            };
            let rule = match (item.version, item.rule_index) {
                (Some(v), Some(i)) => lang.targs(
                    "review-rule",
                    &[
                        ("name", item.rule_name.clone()),
                        ("version", v.to_string()),
                        ("index", (i + 1).to_string()),
                    ],
                ),
                _ => lang.t("review-rule-teammate"),
            };
            let decided = match (item.decided_at, item.decided_by) {
                (Some(at), by) => {
                    let who = by.and_then(|u| team.get(&u).cloned()).unwrap_or_default();
                    lang.targs(
                        "review-decided-by",
                        &[("who", who), ("when", ctx.date(&at))],
                    )
                }
                _ => String::new(),
            };
            Row {
                id: item.id.get(),
                href: format!("/w/{slug}/c/{}", item.message_id),
                author,
                channel: message
                    .and_then(|m| channels.get(&m.channel_id).cloned())
                    .unwrap_or_default(),
                excerpt: message.map(|m| excerpt(&m.text, 240)).unwrap_or_default(),
                when: ctx.date(&item.created_at),
                rule,
                reason: item.reason.clone(),
                toxicity: score(|s| s.toxicity),
                spam: score(|s| s.spam),
                sentiment: score(|s| s.sentiment),
                status: status_label(lang, item.status),
                escalated: item.escalated,
                decided,
            }
        })
        .collect();
    let tabs = vec![
        Tab {
            href: base.clone(),
            label: lang.t("review-open"),
            count: count_label(lang, count),
            current: open,
        },
        Tab {
            href: format!("{base}?status=decided"),
            label: lang.t("review-decided"),
            count: String::new(),
            current: !open,
        },
    ];
    let status_q = if open { "" } else { "status=decided&" };
    let here = if open {
        base.clone()
    } else {
        format!("{base}?status=decided")
    };
    let page = ReviewPage {
        buttons: DECISIONS
            .iter()
            .map(|(value, key)| Button {
                value,
                key,
                label: lang.t(&format!("review-action-{value}")),
            })
            .collect(),
        can_decide: ws.may(Permission::Moderate),
        tabs,
        rows,
        open,
        here,
        next_href: data
            .next
            .map(|n| format!("{base}?{status_q}before={n}"))
            .unwrap_or_default(),
        ctx,
    };
    render(&page)
}

/// The workspace's channels (cached with the inbox's surroundings when there).
async fn channels(state: &AppState, ws: &Ws) -> Result<Vec<Channel>, AppError> {
    match state.cache.surroundings(ws.workspace.id) {
        Some(hit) => Ok(hit.channels),
        None => Ok(state.store.channels(ws.workspace.id).await?),
    }
}

/// A review status in the reader's language.
pub fn status_label(lang: Lang, status: ReviewStatus) -> String {
    lang.t(&format!("review-status-{}", status.as_str()))
}

/// `POST /w/{slug}/review/decide` (form): `ids` repeated and `decision` (the bulk
/// bar), or `row` = `{decision}:{id}` (a row's own button).
pub async fn decide_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.trim());
    let (ids, decision) = match get("row") {
        Some(row) => {
            let (decision, id) = row
                .split_once(':')
                .ok_or_else(|| AppError::bad("row", "must be decision:id"))?;
            let id = id
                .parse()
                .map(ReviewId)
                .map_err(|_| AppError::bad("row", "must be decision:id"))?;
            (vec![id], parse_decision(decision)?)
        }
        None => {
            let ids = fields
                .iter()
                .filter(|(k, _)| k == "ids" || k == "ids[]")
                .map(|(_, v)| {
                    v.trim()
                        .parse()
                        .map(ReviewId)
                        .map_err(|_| AppError::bad("ids", "must be numbers"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (ids, parse_decision(get("decision").unwrap_or(""))?)
        }
    };
    review::decide(&*state.store, &ws.actor(), &ids, decision)
        .await
        .map_err(AppError::from)?;
    let fallback = format!("/w/{}/review", ws.workspace.slug.as_str());
    Ok(Redirect::to(&local_path(get("back"), &fallback)).into_response())
}
