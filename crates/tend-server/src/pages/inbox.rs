//! The inbox page (`/w/{slug}/inbox`): every conversation of the workspace, newest
//! first, with the filters in the URL, counts per status, keyset paging and bulk
//! actions. [`load`] is shared with the JSON API.

use super::{PageCtx, local_path, render};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use crate::i18n::Lang;
use crate::params::{InboxParams, cursor};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use tend_core::conversations::BulkAction;
use tend_core::text::excerpt;
use tend_domain::{
    Channel, Identity, IdentityId, InboxState, Message, MessageId, ResponseStatus, Role, Signals,
    Tag, User, UserId,
};
use tend_store::{ResponseTimes, StateCounts};

/// One page of the inbox and what is needed to show it.
pub struct InboxData {
    /// The messages, newest first.
    pub messages: Vec<Message>,
    /// Messages per status (the whole workspace).
    pub counts: StateCounts,
    /// The workspace's channels.
    pub channels: Vec<Channel>,
    /// The workspace's tags.
    pub tags: Vec<Tag>,
    /// The authors of the messages.
    pub authors: HashMap<IdentityId, Identity>,
    /// The teammates.
    pub team: Vec<(User, Role)>,
    /// The cursor of the next page, if the page was full.
    pub next: Option<String>,
    /// First-response times by conversation root.
    pub responses: HashMap<MessageId, ResponseTimes>,
}

/// Loads a page of the inbox for `ws` with `params`: `tend_core::conversations::inbox`
/// plus the workspace's channels, tags and teammates (from the read cache).
pub async fn load(state: &AppState, ws: &Ws, params: &InboxParams) -> Result<InboxData, AppError> {
    let query = params.to_query(&ws.workspace, ws.auth.user.id)?;
    let store = &*state.store;
    let id = ws.workspace.id;
    let page = tend_core::conversations::inbox(store, ws.actor(), &query).await?;
    let next = page
        .full
        .then(|| page.messages.last().map(|m| cursor(m.created_at, m.id)))
        .flatten();
    let around = match state.cache.surroundings(id) {
        Some(hit) => hit,
        None => {
            let around = crate::cache::Surroundings {
                channels: store.channels(id).await?,
                tags: store.tags(id).await?,
                team: store.workspace_users(id).await?,
            };
            state.cache.put_surroundings(id, around.clone());
            around
        }
    };
    Ok(InboxData {
        responses: page.responses,
        counts: page.counts,
        channels: around.channels,
        tags: around.tags,
        team: around.team,
        authors: page.authors,
        messages: page.messages,
        next,
    })
}

/// An option of a filter select.
pub struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn opts(current: &Option<String>, items: impl IntoIterator<Item = (String, String)>) -> Vec<Opt> {
    let current = current.as_deref().unwrap_or("");
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// One row of the list.
pub struct Row {
    id: i64,
    href: String,
    author: String,
    channel: String,
    title: String,
    excerpt: String,
    when: String,
    state_label: String,
    sentiment: String,
    sentiment_label: String,
    tags: Vec<String>,
    assignee: String,
    question: bool,
    toxic: bool,
    lang: String,
    /// "Answered in 40 min" / "Waiting 2 h 5 min" (business time), or empty.
    response: String,
    /// Waiting past the workspace's first-response target.
    overdue: bool,
    /// A review's stars (empty without a rating).
    stars: super::Stars,
    /// A direct message: only the brand sees it on the network.
    private: bool,
}

/// A status tab.
pub struct Tab {
    href: String,
    label: String,
    count: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    rows: Vec<Row>,
    shown: i64,
    tabs: Vec<Tab>,
    channels: Vec<Opt>,
    tags: Vec<Opt>,
    sentiments: Vec<Opt>,
    assignees: Vec<Opt>,
    questions: Vec<Opt>,
    sorts: Vec<Opt>,
    toxics: Vec<Opt>,
    privates: Vec<Opt>,
    ratings: Vec<Opt>,
    team: Vec<(i64, String)>,
    lang: String,
    from: String,
    to: String,
    q: String,
    status: String,
    next_href: String,
    here: String,
}

/// `GET /w/{slug}/inbox`.
pub async fn inbox_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<InboxParams>,
) -> Result<Response, PageError> {
    let data = load(&state, &ws, &params).await?;
    let mut ctx = PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    if ctx.sees_review() {
        ctx.review_count =
            super::review::count_label(lang, super::review::open_count(&state, &ws).await?);
    }
    let now = state.clock.now();
    let slug = ws.workspace.slug.as_str();
    let base = format!("/w/{slug}/inbox");
    let channel_names: HashMap<_, _> = data
        .channels
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let tag_names: HashMap<_, _> = data
        .tags
        .iter()
        .map(|t| (t.id, t.name.as_str().to_owned()))
        .collect();
    let user_names: HashMap<UserId, String> = data
        .team
        .iter()
        .map(|(u, _)| (u.id, u.name.clone()))
        .collect();
    let rows: Vec<Row> = data
        .messages
        .iter()
        .map(|m| {
            let author = m
                .author_id
                .and_then(|a| data.authors.get(&a))
                .map(|i| i.display_name.clone().unwrap_or_else(|| i.handle.clone()))
                .unwrap_or_default();
            let label = m.sentiment_label();
            let (response, overdue) = data
                .responses
                .get(&m.thread_root_id.unwrap_or(m.id))
                .map(|r| response_badge(lang, &ws.workspace, r, m.state, now))
                .unwrap_or_default();
            Row {
                id: m.id.get(),
                href: format!("/w/{slug}/c/{}", m.id),
                author,
                channel: channel_names
                    .get(&m.channel_id)
                    .cloned()
                    .unwrap_or_default(),
                title: m.title.clone().unwrap_or_default(),
                excerpt: excerpt(&m.text, 240),
                when: ctx.date(&m.created_at),
                state_label: lang.t(&format!("state-{}", m.state.as_str())),
                sentiment: label.map(|l| l.as_str().to_owned()).unwrap_or_default(),
                sentiment_label: label
                    .map(|l| lang.t(&format!("sentiment-{}", l.as_str())))
                    .unwrap_or_default(),
                tags: m
                    .tags
                    .iter()
                    .filter_map(|t| tag_names.get(t).cloned())
                    .collect(),
                assignee: m
                    .assignee_id
                    .and_then(|u| user_names.get(&u).cloned())
                    .unwrap_or_default(),
                question: m.signals.is_some_and(|s| s.question),
                toxic: m.signals.is_some_and(|s| s.toxicity >= Signals::TOXIC),
                lang: m.lang.clone().unwrap_or_default(),
                response,
                overdue,
                stars: super::Stars::of(lang, m.rating),
                private: m.kind == tend_domain::MessageKind::DirectMessage,
            }
        })
        .collect();
    let current_status = params
        .status
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "open".to_owned());
    let c = data.counts;
    let tabs = [
        ("open", c.open),
        ("snoozed", c.snoozed),
        ("done", c.done),
        ("archived", c.archived),
        ("all", c.open + c.snoozed + c.done + c.archived),
    ]
    .into_iter()
    .map(|(s, n)| Tab {
        href: format!("{base}?{}", params.with_status(s)),
        label: lang.t(&format!("state-{s}")),
        count: ctx.num(&n),
        current: current_status == s,
    })
    .collect();
    let yes_no = |v: &Option<String>| {
        opts(
            v,
            [
                ("yes".to_owned(), lang.t("filter-yes")),
                ("no".to_owned(), lang.t("filter-no")),
            ],
        )
    };
    let mut assignee_items = vec![
        ("me".to_owned(), lang.t("filter-assignee-me")),
        ("none".to_owned(), lang.t("filter-assignee-none")),
    ];
    assignee_items.extend(
        data.team
            .iter()
            .map(|(u, _)| (u.id.to_string(), u.name.clone())),
    );
    let here = match params.query_string() {
        q if q.is_empty() => base.clone(),
        q => format!("{base}?{q}"),
    };
    let page = InboxPage {
        shown: rows.len() as i64,
        rows,
        tabs,
        channels: opts(
            &params.channel,
            data.channels
                .iter()
                .map(|c| (c.id.to_string(), c.name.clone())),
        ),
        tags: opts(
            &params.tag,
            data.tags
                .iter()
                .map(|t| (t.id.to_string(), t.name.as_str().to_owned())),
        ),
        sentiments: opts(
            &params.sentiment,
            ["positive", "neutral", "negative"]
                .map(|s| (s.to_owned(), lang.t(&format!("sentiment-{s}")))),
        ),
        assignees: opts(&params.assignee, assignee_items),
        questions: yes_no(&params.question),
        sorts: crate::params::SORTS
            .map(|s| Opt {
                value: s.to_owned(),
                label: lang.t(&format!("sort-{s}")),
                selected: params.sort.as_deref().unwrap_or("newest") == s,
            })
            .into(),
        toxics: yes_no(&params.toxic),
        privates: yes_no(&params.private),
        ratings: opts(
            &params.rating_max,
            ["1", "2", "3", "4"]
                .map(|n| (n.to_owned(), lang.ta("filter-rating-max-at", "stars", n))),
        ),
        team: data
            .team
            .iter()
            .map(|(u, _)| (u.id.get(), u.name.clone()))
            .collect(),
        lang: params.lang.clone().unwrap_or_default(),
        from: params.from.clone().unwrap_or_default(),
        to: params.to.clone().unwrap_or_default(),
        q: params.q.clone().unwrap_or_default(),
        status: current_status,
        next_href: data
            .next
            .map(|n| format!("{base}?{}", params.next_page(&n)))
            .unwrap_or_default(),
        here,
        ctx,
    };
    render(&page)
}

/// Applies a bulk action through `tend_core::conversations::bulk`.
pub async fn apply_bulk(
    state: &AppState,
    ws: &Ws,
    ids: &[MessageId],
    action: &BulkAction,
) -> Result<usize, AppError> {
    Ok(
        tend_core::conversations::bulk(&*state.store, ws.actor(), ids, action, state.clock.now())
            .await?,
    )
}

/// Parses the bulk form's fields (`id` repeated, `action`, `tag`, `assignee`).
pub fn parse_bulk(fields: &[(String, String)]) -> Result<(Vec<MessageId>, BulkAction), AppError> {
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.trim());
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| {
            v.parse()
                .map(MessageId)
                .map_err(|_| AppError::bad("id", "must be a number"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let action = match get("action") {
        Some("done") => BulkAction::Done,
        Some("open") => BulkAction::Open,
        Some("tag") => BulkAction::Tag(get("tag").unwrap_or("").to_owned()),
        Some("assign") => BulkAction::Assign(match get("assignee") {
            None | Some("") | Some("none") => None,
            Some(v) => {
                Some(UserId(v.parse().map_err(|_| {
                    AppError::bad("assignee", "must be a number")
                })?))
            }
        }),
        _ => return Err(AppError::bad("action", "must be done, open, tag or assign")),
    };
    Ok((ids, action))
}

/// `POST /w/{slug}/inbox/bulk` (form).
pub async fn bulk_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (ids, action) = parse_bulk(&fields)?;
    apply_bulk(&state, &ws, &ids, &action).await?;
    let back = fields
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.as_str());
    let fallback = format!("/w/{}/inbox", ws.workspace.slug.as_str());
    Ok(Redirect::to(&local_path(back, &fallback)).into_response())
}

/// The first-response badge of a row: how fast the conversation was answered, or
/// how long it has waited (only while it is still to be worked), in business time.
fn response_badge(
    lang: Lang,
    workspace: &tend_domain::Workspace,
    r: &ResponseTimes,
    state: InboxState,
    now: jiff::Timestamp,
) -> (String, bool) {
    match workspace.response_status(r.first_inbound, r.first_reply, now) {
        ResponseStatus::Answered { business_secs, .. } => (
            lang.ta(
                "response-answered",
                "time",
                &crate::i18n::format_duration(lang, business_secs),
            ),
            false,
        ),
        ResponseStatus::Waiting {
            business_secs,
            overdue,
        } if matches!(state, InboxState::Open | InboxState::Snoozed) => (
            lang.ta(
                "response-waiting",
                "time",
                &crate::i18n::format_duration(lang, business_secs),
            ),
            overdue,
        ),
        ResponseStatus::Waiting { .. } => (String::new(), false),
    }
}
