//! `GET /api/w/{slug}/events`: the workspace's live updates as server-sent events.
//!
//! A stream starts with `ready` (its `id` is the cursor to resume from), then sends
//! every event of the workspace's log as it is written: `messages.stored` (new,
//! edited or updated messages, from any process) and `messages.changed`
//! (teammates' changes). Each SSE `id` is the event's position in the log; a
//! client that reconnects with `Last-Event-ID` (browsers do this by themselves)
//! or `?after=` gets exactly the events after it. A cursor too far behind gets
//! `reset` (reload, then follow from its `id`). Comments keep the connection
//! alive every 15 seconds, and each time the stream checks that the session or
//! token and the membership still hold; it ends when they do not.

use crate::AppState;
use crate::auth::{Ws, resolve};
use crate::error::{ApiError, AppError};
use crate::live::{PAGE, visible};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event as Sse, Sse as SseBody};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tend_domain::LogEvent;
use tend_domain::{ChannelId, InboxState, MessageId, NoteId, OutboxId, TagId, UserId};
use tokio::sync::{broadcast, watch};
use utoipa::{IntoParams, ToSchema};

/// How often a quiet stream sends a keep-alive comment and re-checks access.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Where to resume.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct After {
    /// Send the events after this position (the `id` of the last event seen).
    /// `Last-Event-ID` wins when both are sent; without either, the stream starts now.
    after: Option<String>,
}

/// The data of a live event (the SSE `data:` line); the SSE event name says which.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // The variants document `tend_domain::EventPayload`'s JSON, sent as stored.
pub enum LiveData {
    /// `ready` and `reset`.
    Ready(Ready),
    /// `messages.stored`.
    Stored(Stored),
    /// `messages.changed`.
    Changed(Changed),
}

/// `ready`: the stream is following the log; `reset`: the cursor was too far
/// behind, reload and follow from here.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// The position the stream follows from (also its SSE `id`).
    pub cursor: i64,
}

/// `messages.stored`: a batch of messages was stored (imports, connectors).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Stored {
    /// The channels of the batch.
    channels: Vec<ChannelId>,
    /// New messages.
    created: Vec<MessageId>,
    /// Messages whose text changed.
    edited: Vec<MessageId>,
    /// Messages whose metadata changed.
    updated: Vec<MessageId>,
}

/// What a `messages.changed` event is about.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum What {
    /// The inbox state (`state` has the new one).
    State,
    /// The assignee (`assignee`).
    Assignee,
    /// A tag was put on or taken off (`tag`, `added`).
    Tags,
    /// The sentiment correction (`sentiment`).
    Sentiment,
    /// A note was added (`note`); not sent to the client role.
    Note,
    /// A reply was queued (`outbox`).
    Reply,
}

/// `messages.changed`: a teammate (or the system) changed conversations.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Changed {
    /// The messages changed.
    messages: Vec<MessageId>,
    /// What changed.
    what: What,
    /// Who changed it (null: the system).
    by: Option<UserId>,
    /// The new state (`state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<InboxState>,
    /// The new assignee (`assignee`; null when unassigned).
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<Option<UserId>>,
    /// The tag (`tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<TagId>,
    /// Put on (true) or taken off (`tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<bool>,
    /// The correction (`sentiment`; null when cleared).
    #[serde(skip_serializing_if = "Option::is_none")]
    sentiment: Option<Option<tend_domain::SentimentLabel>>,
    /// The note (`note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<NoteId>,
    /// The outbox item (`reply`).
    #[serde(skip_serializing_if = "Option::is_none")]
    outbox: Option<OutboxId>,
}

/// Follows the workspace's live updates (server-sent events). Every role that can
/// read the inbox may listen.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/events",
    tag = "live",
    params(
        ("slug" = String, Path, description = "The workspace"),
        After,
        ("Last-Event-ID" = Option<i64>, Header, description = "The `id` of the last event seen (sent by browsers when they reconnect)"),
    ),
    responses(
        (status = 200, description = "A `text/event-stream`. Events: `ready` and `reset` (data: `Ready`), `messages.stored` and `messages.changed` (data: `LiveData`); each with its log position as `id`.", content_type = "text/event-stream", body = LiveData),
        (status = 400, description = "The cursor is not a number", body = super::ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    ws: Ws,
    headers: HeaderMap,
    Query(q): Query<After>,
) -> Result<Response, ApiError> {
    let header = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("x").to_owned());
    let cursor = match header.or(q.after).filter(|c| !c.trim().is_empty()) {
        None => None,
        Some(c) => Some(c.trim().parse::<i64>().map_err(|_| {
            AppError::bad(
                "after",
                "must be the id of an event (Last-Event-ID or ?after=)",
            )
        })?),
    };
    // Subscribe before reading the log, so nothing falls between the two.
    let rx = state.live.subscribe().await?;
    let mut feed = Feed {
        closed: state.live.closed(),
        rx,
        pending: VecDeque::new(),
        last: 0,
        keep_alive: tokio::time::interval_at(tokio::time::Instant::now() + KEEP_ALIVE, KEEP_ALIVE),
        headers,
        state,
        ws,
    };
    match cursor {
        None => {
            feed.last = feed.state.store.latest_event().await?;
            feed.pending.push_back(ready("ready", feed.last));
        }
        Some(c) => {
            feed.last = c;
            feed.pending.push_back(ready("ready", c));
            feed.catch_up().await?;
        }
    }
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let next = feed.next().await?;
        Some((Ok::<_, Infallible>(next), feed))
    });
    let mut res = SseBody::new(stream).into_response();
    // Tell buffering proxies (nginx) to pass events through at once.
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

fn ready(name: &str, cursor: i64) -> Sse {
    Sse::default()
        .event(name)
        .id(cursor.to_string())
        .data(serde_json::json!({ "cursor": cursor }).to_string())
}

fn to_sse(event: &LogEvent) -> Sse {
    Sse::default()
        .event(event.payload.kind())
        .id(event.id.to_string())
        .data(event.payload.to_json().to_string())
}

/// What woke a stream up.
enum Wake {
    Closed,
    Event(Result<Arc<LogEvent>, broadcast::error::RecvError>),
    KeepAlive,
}

/// One open stream.
struct Feed {
    state: AppState,
    ws: Ws,
    headers: HeaderMap,
    rx: broadcast::Receiver<Arc<LogEvent>>,
    closed: watch::Receiver<bool>,
    pending: VecDeque<Sse>,
    /// The newest log position handled.
    last: i64,
    keep_alive: tokio::time::Interval,
}

impl Feed {
    /// Queues the workspace's events after `last` from the log; a gap larger than
    /// a page becomes a `reset`.
    async fn catch_up(&mut self) -> Result<(), AppError> {
        let store = &self.state.store;
        let events = store
            .events_after(Some(self.ws.workspace.id), self.last, PAGE)
            .await?;
        if events.len() == PAGE as usize {
            self.last = store.latest_event().await?;
            self.pending.push_back(ready("reset", self.last));
            return Ok(());
        }
        for event in events {
            self.push(&event);
        }
        Ok(())
    }

    fn push(&mut self, event: &LogEvent) {
        if event.id <= self.last {
            return;
        }
        self.last = event.id;
        if visible(event, &self.ws) {
            self.pending.push_back(to_sse(event));
        }
    }

    /// Whether the reader may still listen: same user, still a member.
    async fn still_allowed(&self) -> bool {
        match resolve(&self.state, &self.headers).await {
            Ok(Some(a)) if a.user.id == self.ws.auth.user.id => self
                .state
                .store
                .membership(a.user.id, self.ws.workspace.slug.as_str())
                .await
                .is_ok(),
            _ => false,
        }
    }

    /// The next SSE event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            let wake = {
                let closed = &mut self.closed;
                tokio::select! {
                    _ = async { closed.wait_for(|c| *c).await.map(|_| ()) } => Wake::Closed,
                    got = self.rx.recv() => Wake::Event(got),
                    _ = self.keep_alive.tick() => Wake::KeepAlive,
                }
            };
            match wake {
                Wake::Closed => return None,
                Wake::Event(Ok(event)) => self.push(&event),
                Wake::Event(Err(broadcast::error::RecvError::Lagged(_))) => {
                    if self.catch_up().await.is_err() {
                        return None;
                    }
                }
                Wake::Event(Err(broadcast::error::RecvError::Closed)) => return None,
                Wake::KeepAlive => {
                    if !self.still_allowed().await {
                        return None;
                    }
                    return Some(Sse::default().comment("keep-alive"));
                }
            }
        }
    }
}
