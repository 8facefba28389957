//! The fake's streaming API: server-sent events on
//! `/api/v1/streaming/user` (notifications, `status.update`, `delete`),
//! `/api/v1/streaming/user/notification` (notifications only) and
//! `/api/v1/streaming?stream=…`, with Mastodon's `:thump` heartbeat.

use super::routes::{Shr, error, query, text};
use super::{Event, Shared};
use axum::extract::{RawQuery, State as With};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    /// `user`: notifications, edits and deletions.
    User,
    /// `user:notification`: notifications only.
    Notifications,
}

pub(super) async fn stream_user(With(shared): Shr) -> Response {
    sse(shared, Stream::User)
}

pub(super) async fn stream_notifications(With(shared): Shr) -> Response {
    sse(shared, Stream::Notifications)
}

pub(super) async fn stream_by_query(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    match text(&query(raw), "stream") {
        Some("user") => sse(shared, Stream::User),
        Some("user:notification") => sse(shared, Stream::Notifications),
        _ => error(StatusCode::BAD_REQUEST, "Unknown stream type"),
    }
}

fn sse(shared: Arc<Shared>, kind: Stream) -> Response {
    let rx = shared.events.subscribe();
    let hello = futures_util::stream::once(async {
        Ok::<_, std::convert::Infallible>(SseEvent::default().comment(")"))
    });
    let events = futures_util::stream::unfold((rx, shared), move |(mut rx, shared)| async move {
        loop {
            // A lagging listener is cut off, as Mastodon's streaming server
            // does; the client catches up over the REST API.
            let event = rx.recv().await.ok()?;
            if let Some(sse) = render_event(&shared, kind, event) {
                return Some((Ok(sse), (rx, shared)));
            }
        }
    });
    use futures_util::StreamExt;
    Sse::new(hello.chain(events))
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("thump"),
        )
        .into_response()
}

fn render_event(shared: &Shared, kind: Stream, event: Event) -> Option<SseEvent> {
    let state = shared.lock();
    let (name, data) = match event {
        Event::Notification(id) => {
            let n = state.notifications.get(&id)?;
            let v = shared.templates.notification(&shared.url, &state, n);
            ("notification", v.to_string())
        }
        Event::StatusUpdate(id) if kind == Stream::User => {
            let s = state.statuses.get(&id)?;
            (
                "status.update",
                shared.templates.status(&shared.url, &state, s).to_string(),
            )
        }
        Event::Delete(id) if kind == Stream::User => ("delete", id.to_string()),
        _ => return None,
    };
    Some(SseEvent::default().event(name).data(data))
}
