//! The conversation view (`/w/{slug}/c/{id}`): the thread in reply order, the author
//! card, per-message signals with the sentiment explanation, entities as links,
//! tags, assignment, state, internal notes, history, the outbox and the reply box.
//! Every action is a small form (POST, CSRF-checked) that redirects back.
//!
//! Each reply shows where it is (queued, sending, sent with the network's link,
//! failed with the reason, outcome unknown, cancelled), with Cancel while it is
//! queued and Retry once it failed. The sender writes no event for its moves, so
//! while a reply is still moving the page's script looks again every few seconds
//! (`data-pending`) and takes the fresh replies section.

use super::{PageCtx, render, safe_href};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use std::collections::HashMap;
use tend_core::conversations::{self as c, ConversationData};
use tend_core::team::Permission;
use tend_core::text::excerpt;
use tend_domain::{
    InboxState, MessageId, OutboxId, OutboxState, SentimentLabel, Signals, TagId, UserId,
};

/// Loads the conversation around message `id` (`tend_core::conversations::conversation`).
pub async fn load(state: &AppState, ws: &Ws, id: MessageId) -> Result<ConversationData, AppError> {
    Ok(c::conversation(&*state.store, ws.actor(), id).await?)
}

/// A piece of message text: plain, or a link (an entity).
pub struct Seg {
    text: String,
    href: String,
}

/// Splits a text into plain runs and entity links: hashtags and mentions search the
/// inbox, URLs link out (http(s) only).
pub fn segments(text: &str, slug: &str) -> Vec<Seg> {
    let e = tend_nlp::entities::extract(text);
    let mut links: Vec<(usize, usize, String)> = Vec::new();
    for h in &e.hashtags {
        links.push((h.start, h.end, search_href(slug, &format!("#{}", h.text))));
    }
    for m in &e.mentions {
        links.push((m.start, m.end, search_href(slug, &m.text)));
    }
    for u in &e.urls {
        let url = if u.text.contains("://") {
            u.text.clone()
        } else {
            format!("https://{}", u.text)
        };
        if let Some(href) = safe_href(&url) {
            links.push((u.start, u.end, href));
        }
    }
    links.sort_by_key(|l| l.0);
    // UTF-16 offsets to char indices.
    let chars: Vec<char> = text.chars().collect();
    let mut utf16_to_char = HashMap::new();
    let mut pos = 0;
    for (ci, ch) in chars.iter().enumerate() {
        utf16_to_char.insert(pos, ci);
        pos += ch.len_utf16();
    }
    utf16_to_char.insert(pos, chars.len());
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, href) in links {
        let (Some(&s), Some(&e)) = (utf16_to_char.get(&start), utf16_to_char.get(&end)) else {
            continue;
        };
        if s < at || e <= s {
            continue;
        }
        if s > at {
            out.push(Seg {
                text: chars[at..s].iter().collect(),
                href: String::new(),
            });
        }
        out.push(Seg {
            text: chars[s..e].iter().collect(),
            href,
        });
        at = e;
    }
    if at < chars.len() {
        out.push(Seg {
            text: chars[at..].iter().collect(),
            href: String::new(),
        });
    }
    out
}

fn search_href(slug: &str, q: &str) -> String {
    let query = serde_urlencoded::to_string([("status", "all"), ("q", q)]).unwrap_or_default();
    format!("/w/{slug}/inbox?{query}")
}

/// One message as shown.
pub struct MsgView {
    id: i64,
    depth: usize,
    current: bool,
    author: String,
    handle: String,
    when: String,
    title: String,
    segments: Vec<Seg>,
    permalink: String,
    /// When the network said it was deleted (empty if not).
    removed: String,
    /// When it was last edited on the network (empty if never).
    edited: String,
    outbound: bool,
    signals: bool,
    sentiment: String,
    sentiment_label: String,
    corrected: bool,
    score: String,
    toxicity: String,
    spam: String,
    toxic: bool,
    spammy: bool,
    question: bool,
    lang: String,
    explanation: Vec<String>,
    /// A review's stars (empty without a rating).
    stars: super::Stars,
}

/// A reply on its way out, ready to show: its state, the network's link once
/// sent, the reason once failed, and what the reader may do with it.
pub struct OutboxRow {
    id: i64,
    who: String,
    when: String,
    text: String,
    /// The stable state name (a CSS class).
    state: String,
    state_label: String,
    /// The network's link to it (http(s) only), once sent.
    href: String,
    /// The network's id, once sent without a link.
    remote_id: String,
    /// Why it failed.
    reason: String,
    /// Still moving (queued, sending, unknown): the page looks again soon.
    pending: bool,
    can_cancel: bool,
    can_retry: bool,
}

/// A line of history or a note, ready to show.
pub struct Line {
    who: String,
    when: String,
    text: String,
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    ctx: PageCtx,
    base: String,
    state: String,
    state_label: String,
    snoozed_until: String,
    channel: String,
    channel_id: i64,
    messages: Vec<MsgView>,
    author: Option<AuthorCard>,
    tags: Vec<(i64, String)>,
    assignee: String,
    team: Vec<(i64, String, bool)>,
    sees_notes: bool,
    notes: Vec<Line>,
    history: Vec<Line>,
    outbox: Vec<OutboxRow>,
    /// Since when all sending of the workspace is stopped (empty: it is on).
    sending_paused: String,
    reply_max: i64,
    reply_text: String,
    reply_errors: Vec<String>,
    current_sentiment: String,
}

/// The author card.
pub struct AuthorCard {
    name: String,
    handle: String,
    platform: String,
    followers: String,
    verified: bool,
    profile: String,
    others: Vec<String>,
    earlier: Vec<(String, String, String)>,
}

/// `GET /w/{slug}/c/{id}`.
pub async fn conversation_page(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    show(
        &state,
        &ws,
        MessageId(id),
        String::new(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn show(
    state: &AppState,
    ws: &Ws,
    id: MessageId,
    reply_text: String,
    reply_errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let data = load(state, ws, id).await?;
    let ctx = PageCtx::for_user(state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let slug = ws.workspace.slug.as_str();
    let names: HashMap<UserId, String> = data
        .team
        .iter()
        .map(|(u, _)| (u.id, u.name.clone()))
        .collect();
    let user_name = |u: Option<UserId>| {
        u.and_then(|u| names.get(&u).cloned())
            .unwrap_or_else(|| lang.t("someone"))
    };
    let messages = data
        .thread
        .iter()
        .map(|(m, depth)| {
            let who = m.author_id.and_then(|a| data.authors.get(&a));
            let label = m.sentiment_label();
            let s = m.signals;
            MsgView {
                id: m.id.get(),
                depth: (*depth).min(6),
                current: m.id == data.message.id,
                author: who
                    .map(|i| i.display_name.clone().unwrap_or_else(|| i.handle.clone()))
                    .unwrap_or_default(),
                handle: who
                    .map(|i| super::shown_handle(i.platform, &i.handle))
                    .unwrap_or_default(),
                when: ctx.date(&m.created_at),
                title: m.title.clone().unwrap_or_default(),
                segments: segments(&m.text, slug),
                permalink: m
                    .permalink
                    .as_deref()
                    .and_then(safe_href)
                    .unwrap_or_default(),
                removed: m.removed_at.map(|t| ctx.date(&t)).unwrap_or_default(),
                edited: m.edited_at.map(|t| ctx.date(&t)).unwrap_or_default(),
                outbound: m.direction == tend_domain::Direction::Outbound,
                signals: s.is_some(),
                sentiment: label.map(|l| l.as_str().to_owned()).unwrap_or_default(),
                sentiment_label: label
                    .map(|l| lang.t(&format!("sentiment-{}", l.as_str())))
                    .unwrap_or_default(),
                corrected: m.sentiment_corrected.is_some(),
                score: s.map(|s| ctx.dec(&s.sentiment)).unwrap_or_default(),
                toxicity: s.map(|s| ctx.dec(&s.toxicity)).unwrap_or_default(),
                spam: s.map(|s| ctx.dec(&s.spam)).unwrap_or_default(),
                toxic: s.is_some_and(|s| s.toxicity >= Signals::TOXIC),
                spammy: s.is_some_and(|s| s.spam >= Signals::SPAM),
                question: s.is_some_and(|s| s.question),
                lang: m.lang.clone().unwrap_or_default(),
                stars: super::Stars::of(lang, m.rating),
                explanation: if m.id == data.message.id && s.is_some() {
                    super::explain::lines(lang, &tend_nlp::sentiment::explain(&m.text))
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let author = data.author.as_ref().map(|(i, others, earlier)| AuthorCard {
        name: i.display_name.clone().unwrap_or_else(|| i.handle.clone()),
        handle: super::shown_handle(i.platform, &i.handle),
        platform: lang.t(&format!("platform-{}", i.platform.as_str())),
        followers: i.followers.map(|f| ctx.num(&f)).unwrap_or_default(),
        verified: i.verified,
        profile: i
            .profile_url
            .as_deref()
            .and_then(safe_href)
            .unwrap_or_default(),
        others: others
            .iter()
            .filter(|o| o.id != i.id)
            .map(|o| {
                let platform = lang.t(&format!("platform-{}", o.platform.as_str()));
                format!("{} ({platform})", o.handle)
            })
            .collect(),
        earlier: earlier
            .iter()
            .map(|m| {
                (
                    format!("/w/{slug}/c/{}", m.id),
                    ctx.date(&m.created_at),
                    excerpt(&m.text, 80),
                )
            })
            .collect(),
    });
    let tag_names: HashMap<TagId, String> = data
        .tags
        .iter()
        .map(|t| (t.id, t.name.as_str().to_owned()))
        .collect();
    let m = &data.message;
    let may_reply = ws.may(Permission::Reply);
    let sending_paused = state
        .store
        .sending_paused(ws.workspace.id)
        .await?
        .map(|t| ctx.date(&t))
        .unwrap_or_default();
    let page = ConversationPage {
        base: format!("/w/{slug}/c/{}", m.id),
        state: m.state.as_str().to_owned(),
        state_label: lang.t(&format!("state-{}", m.state.as_str())),
        snoozed_until: m.snoozed_until.map(|t| ctx.date(&t)).unwrap_or_default(),
        channel: data.channel.name.clone(),
        channel_id: data.channel.id.get(),
        messages,
        author,
        tags: m
            .tags
            .iter()
            .filter_map(|t| tag_names.get(t).map(|n| (t.get(), n.clone())))
            .collect(),
        assignee: m
            .assignee_id
            .map(|u| user_name(Some(u)))
            .unwrap_or_default(),
        team: data
            .team
            .iter()
            .map(|(u, _)| (u.id.get(), u.name.clone(), m.assignee_id == Some(u.id)))
            .collect(),
        sees_notes: ws.may(Permission::ReadNotes),
        notes: data
            .notes
            .iter()
            .map(|n| Line {
                who: user_name(n.author_id),
                when: ctx.date(&n.created_at),
                text: n.text.clone(),
            })
            .collect(),
        history: data
            .events
            .iter()
            .map(|e| Line {
                who: user_name(e.user_id),
                when: ctx.date(&e.at),
                text: format!(
                    "{} {}",
                    lang.t(&format!("event-{}", e.kind.as_str())),
                    event_detail(e, &names, lang)
                ),
            })
            .collect(),
        outbox: data
            .outbox
            .iter()
            .map(|o| {
                let href = o
                    .remote_url
                    .as_deref()
                    .and_then(safe_href)
                    .unwrap_or_default();
                OutboxRow {
                    id: o.id.get(),
                    who: user_name(o.author_id),
                    when: ctx.date(&o.updated_at),
                    text: o.text.clone(),
                    state: o.state.as_str().to_owned(),
                    state_label: lang.t(&format!("outbox-{}", o.state.as_str())),
                    remote_id: if href.is_empty() {
                        o.remote_id.clone().unwrap_or_default()
                    } else {
                        String::new()
                    },
                    href,
                    reason: match o.state {
                        OutboxState::Failed | OutboxState::Unknown => {
                            o.last_error.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    },
                    pending: matches!(
                        o.state,
                        OutboxState::Queued | OutboxState::Sending | OutboxState::Unknown
                    ),
                    can_cancel: may_reply && o.state == OutboxState::Queued,
                    can_retry: may_reply && o.state == OutboxState::Failed,
                }
            })
            .collect(),
        sending_paused,
        reply_max: c::reply_limits(data.channel.kind).max_length as i64,
        reply_text,
        reply_errors,
        current_sentiment: m
            .sentiment_label()
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default(),
        ctx,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn event_detail(
    e: &tend_domain::HistoryEntry,
    names: &HashMap<UserId, String>,
    lang: crate::i18n::Lang,
) -> String {
    match e.kind {
        tend_domain::HistoryKind::State => {
            let state = e.detail.split(' ').next().unwrap_or("");
            lang.t(&format!("state-{state}"))
        }
        tend_domain::HistoryKind::Assigned => e
            .detail
            .parse::<i64>()
            .ok()
            .and_then(|u| names.get(&UserId(u)).cloned())
            .unwrap_or_default(),
        tend_domain::HistoryKind::SentimentCorrected => {
            if e.detail.is_empty() {
                String::new()
            } else {
                lang.t(&format!("sentiment-{}", e.detail))
            }
        }
        tend_domain::HistoryKind::Tagged | tend_domain::HistoryKind::Untagged => e.detail.clone(),
        _ => String::new(),
    }
}

/// `POST /w/{slug}/c/{id}/{action}`: state, snooze, assign, tag, untag, sentiment,
/// note, reply. Redirects back to the conversation.
pub async fn conversation_action(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id, action)): Path<(String, i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = MessageId(id);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let store = &*state.store;
    // Check the message (404 for other workspaces) before the role (403, asked by
    // each use case), so a foreign id never reveals anything.
    store.message(ws.workspace.id, id).await?;
    let actor = ws.actor();
    match action.as_str() {
        "state" => {
            let s =
                InboxState::parse(get("state")).map_err(|e| AppError::bad("state", e.message))?;
            if s == InboxState::Snoozed {
                return Err(AppError::bad("state", "use snooze").into());
            }
            c::set_state(store, actor, id, s, None, state.clock.now()).await?;
        }
        "snooze" => {
            let local: DateTime = get("until")
                .parse()
                .map_err(|_| AppError::bad("until", "must be a date and time"))?;
            let until = local
                .to_zoned(ws.workspace.tz())
                .map_err(|_| AppError::bad("until", "out of range"))?
                .timestamp();
            c::set_state(
                store,
                actor,
                id,
                InboxState::Snoozed,
                Some(until),
                state.clock.now(),
            )
            .await?;
        }
        "assign" => {
            let user = match get("assignee") {
                "" | "none" => None,
                v => {
                    Some(UserId(v.parse().map_err(|_| {
                        AppError::bad("assignee", "must be a number")
                    })?))
                }
            };
            c::assign(store, actor, id, user).await?;
        }
        "tag" => {
            c::tag(store, actor, id, get("tag")).await?;
        }
        "untag" => {
            let tag_id = TagId(
                get("tag")
                    .parse()
                    .map_err(|_| AppError::bad("tag", "must be a number"))?,
            );
            c::untag(store, actor, id, tag_id).await?;
        }
        "sentiment" => {
            let label = match get("label") {
                "" | "none" => None,
                l => Some(SentimentLabel::parse(l).map_err(|e| AppError::bad("label", e.message))?),
            };
            c::correct_sentiment(store, actor, id, label).await?;
        }
        "note" => {
            c::add_note(store, actor, id, get("text")).await?;
        }
        "reply" => {
            let text = get("text").to_owned();
            match c::queue_reply(store, actor, id, &text).await {
                Ok(_) => {}
                Err(c::ActionError::Reply(problems)) => {
                    let lang = crate::i18n::Lang::from_code(&ws.auth.user.locale);
                    let errors = problems.iter().map(|p| problem_text(lang, p)).collect();
                    return show(
                        &state,
                        &ws,
                        id,
                        text,
                        errors,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        "cancel-reply" | "retry-reply" => {
            let item = OutboxId(
                get("outbox")
                    .parse()
                    .map_err(|_| AppError::bad("outbox", "must be a number"))?,
            );
            // 404 for another conversation's reply before the use case's 403.
            let found = store.outbox_item(ws.workspace.id, item).await?;
            if found.in_reply_to != id {
                return Err(AppError::NotFound.into());
            }
            if action == "cancel-reply" {
                tend_core::channels::cancel(store, actor, item)
                    .await
                    .map_err(AppError::from)?;
            } else {
                tend_core::channels::retry(store, actor, item, state.clock.now())
                    .await
                    .map_err(AppError::from)?;
            }
        }
        _ => return Err(AppError::NotFound.into()),
    }
    let back = format!("/w/{}/c/{}", ws.workspace.slug.as_str(), id);
    Ok(Redirect::to(&back).into_response())
}

fn problem_text(lang: crate::i18n::Lang, p: &tend_nlp::length::Problem) -> String {
    use tend_nlp::length::ProblemKind;
    match p.kind {
        ProblemKind::Empty => lang.t("reply-empty"),
        ProblemKind::TooLong { length, max } => lang.ta(
            "reply-too-long",
            "detail",
            &format!(
                "{} / {}",
                crate::i18n::format_int(lang, length as i64),
                crate::i18n::format_int(lang, max as i64)
            ),
        ),
        ProblemKind::TooManyHashtags { count, max } => lang.ta(
            "reply-too-many-hashtags",
            "detail",
            &format!("{count} / {max}"),
        ),
        ProblemKind::InvalidCharacters => lang.t("reply-invalid-characters"),
    }
}
