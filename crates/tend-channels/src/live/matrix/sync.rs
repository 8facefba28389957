//! Reading Matrix rooms: the backfill (`/messages` going back from the first
//! sync), the forward `/sync` (gaps filled back to the previous token), the
//! `/sync` long-poll for streaming, and turning a batch of events into a
//! [`Page`] (edits applied, redactions as deletions, threads resolved).

use super::cursor::State;
use super::events::{
    self, MessagesResponse, RawEvent, SyncResponse, apply_edit, display_names, external_id,
};
use super::{Matrix, Session};
use crate::live::{ChannelError, Cursor, More, Page, Sink, SinkError, Window};
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tend_domain::{IncomingItem, IncomingMessage};

/// The event types Tend reads.
const TYPES: [&str; 2] = ["m.room.message", "m.room.redaction"];

/// Events per room in one sync, and per `/messages` page.
const BATCH: usize = 100;

/// The longest a `/sync` long-poll waits for something to happen.
const LONG_POLL: Duration = Duration::from_secs(15);

/// At most this many `/messages` pages fill one sync gap (the rest is
/// skipped: a room this busy between two reads is a flood).
const MAX_GAP_PAGES: usize = 50;

/// How far up a reply chain the thread root is looked for.
const MAX_CHAIN: usize = 8;

/// The events of one room, oldest first, with its members' names.
struct Batch {
    room: String,
    events: Vec<RawEvent>,
    names: HashMap<String, String>,
}

fn sync_filter(session: &Session) -> Value {
    let mut room = json!({
        "timeline": {"types": TYPES, "limit": BATCH, "lazy_load_members": true},
        "state": {"types": ["m.room.member"], "lazy_load_members": true},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    });
    if let Some(rooms) = &session.rooms {
        room["rooms"] = json!(rooms);
    }
    json!({
        "room": room,
        "presence": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    })
}

fn room_filter() -> Value {
    json!({"types": TYPES, "lazy_load_members": true})
}

async fn sync(
    m: &Matrix,
    session: &Session,
    since: Option<&str>,
    wait: Duration,
) -> Result<SyncResponse, ChannelError> {
    let mut url = m.endpoint(&["sync"])?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("filter", &sync_filter(session).to_string())
            .append_pair("timeout", &wait.as_millis().to_string());
        if let Some(since) = since {
            q.append_pair("since", since);
        }
    }
    let answer = m
        .call(
            "sync",
            Method::GET,
            url,
            Some(&session.token),
            None,
            Some(wait + Duration::from_secs(15)),
        )
        .await?;
    serde_json::from_value(answer)
        .map_err(|e| ChannelError::Transient(format!("Matrix sync: unexpected answer: {e}")))
}

/// One `/messages` page of `room` going back from `from` (the latest when
/// `None`), stopping at `to`.
pub(super) async fn messages(
    m: &Matrix,
    session: &Session,
    room: &str,
    from: Option<&str>,
    to: Option<&str>,
    filter: &Value,
) -> Result<MessagesResponse, ChannelError> {
    let mut url = m.endpoint(&["rooms", room, "messages"])?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("dir", "b")
            .append_pair("limit", &BATCH.to_string())
            .append_pair("filter", &filter.to_string());
        if let Some(from) = from {
            q.append_pair("from", from);
        }
        if let Some(to) = to {
            q.append_pair("to", to);
        }
    }
    let answer = m
        .call(
            "messages",
            Method::GET,
            url,
            Some(&session.token),
            None,
            None,
        )
        .await?;
    serde_json::from_value(answer)
        .map_err(|e| ChannelError::Transient(format!("Matrix messages: unexpected answer: {e}")))
}

fn wanted(session: &Session, room: &str) -> bool {
    session
        .rooms
        .as_ref()
        .is_none_or(|rooms| rooms.iter().any(|r| r == room))
}

fn parse_events(events: &[Value]) -> Vec<RawEvent> {
    events.iter().filter_map(RawEvent::parse).collect()
}

async fn hand(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a Matrix page: {e}")))
}

/// Reads since `since`, or backfills back to `window.backfill_from`.
pub(super) async fn pull(
    m: &Matrix,
    session: &Session,
    since: Option<&Cursor>,
    window: &Window,
    sink: &mut dyn Sink,
) -> Result<More, ChannelError> {
    let horizon = window.backfill_from.as_millisecond();
    let max_pages = window.max_pages.max(1);
    let mut pages = 0;
    let mut state = match since {
        Some(c) => State::read(c)?,
        None => {
            let first = sync(m, session, None, Duration::ZERO).await?;
            let mut state = State {
                since: first.next_batch,
                ..State::default()
            };
            let mut batches = Vec::new();
            for (room, joined) in first.rooms.join {
                if !wanted(session, &room) {
                    continue;
                }
                let events = parse_events(&joined.timeline.events);
                // Not `limited`: the timeline holds the room's whole history.
                let reached = !joined.timeline.limited
                    || events.first().is_some_and(|e| e.origin_server_ts < horizon);
                if let (false, Some(token)) = (reached, joined.timeline.prev_batch) {
                    state.back.insert(room.clone(), token);
                }
                batches.push(Batch {
                    names: display_names(&joined.state.events),
                    events: events
                        .into_iter()
                        .filter(|e| e.origin_server_ts >= horizon)
                        .collect(),
                    room,
                });
            }
            let mut page = to_page(m, session, batches, true).await?;
            page.cursor = Some(state.cursor());
            hand(sink, page).await?;
            pages += 1;
            state
        }
    };
    while let Some((room, token)) = state
        .back
        .first_key_value()
        .map(|(r, t)| (r.clone(), t.clone()))
    {
        if pages >= max_pages {
            return Ok(More::Yes);
        }
        let older = match messages(m, session, &room, Some(&token), None, &room_filter()).await {
            Ok(older) => older,
            // A room left or forbidden meanwhile: its backfill ends here
            // instead of stopping the channel for good.
            Err(ChannelError::Permanent(_)) => MessagesResponse {
                chunk: Vec::new(),
                end: None,
                state: Vec::new(),
            },
            Err(e) => return Err(e),
        };
        let mut events = parse_events(&older.chunk);
        events.reverse();
        let reached =
            older.chunk.is_empty() || events.first().is_some_and(|e| e.origin_server_ts < horizon);
        match older.end {
            Some(end) if !reached && end != token => state.back.insert(room.clone(), end),
            _ => state.back.remove(&room),
        };
        let batch = Batch {
            names: display_names(&older.state),
            events: events
                .into_iter()
                .filter(|e| e.origin_server_ts >= horizon)
                .collect(),
            room,
        };
        let mut page = to_page(m, session, vec![batch], true).await?;
        page.cursor = Some(state.cursor());
        hand(sink, page).await?;
        pages += 1;
    }
    if pages >= max_pages {
        return Ok(More::Yes);
    }
    let next = sync(m, session, Some(&state.since), Duration::ZERO).await?;
    forward(m, session, &mut state, next, sink).await?;
    Ok(More::No)
}

/// Hands over what a forward sync brought (gaps filled) and moves `state`
/// to its `next_batch`.
async fn forward(
    m: &Matrix,
    session: &Session,
    state: &mut State,
    next: SyncResponse,
    sink: &mut dyn Sink,
) -> Result<(), ChannelError> {
    let mut batches = Vec::new();
    for (room, joined) in next.rooms.join {
        if !wanted(session, &room) {
            continue;
        }
        let mut names = display_names(&joined.state.events);
        let mut events = parse_events(&joined.timeline.events);
        if let (true, Some(mut from)) = (joined.timeline.limited, joined.timeline.prev_batch) {
            // More happened than one sync holds: read back to where we were.
            let mut gap = Vec::new();
            for _ in 0..MAX_GAP_PAGES {
                let older = match messages(
                    m,
                    session,
                    &room,
                    Some(&from),
                    Some(&state.since),
                    &room_filter(),
                )
                .await
                {
                    Ok(older) => older,
                    // Not readable any more (left, forbidden): no gap to fill.
                    Err(ChannelError::Permanent(_)) => break,
                    Err(e) => return Err(e),
                };
                gap.extend(parse_events(&older.chunk));
                names.extend(display_names(&older.state));
                match older.end {
                    Some(end) if !older.chunk.is_empty() && end != from => from = end,
                    _ => break,
                }
            }
            gap.reverse();
            gap.append(&mut events);
            events = gap;
        }
        batches.push(Batch {
            room,
            events,
            names,
        });
    }
    let moved = next.next_batch != state.since;
    state.since = next.next_batch;
    let mut page = to_page(m, session, batches, false).await?;
    if moved || !page.items.is_empty() || !page.deleted.is_empty() {
        page.cursor = Some(state.cursor());
        hand(sink, page).await?;
    }
    Ok(())
}

/// Keeps the last cursor a sink was handed.
struct Capture<'a> {
    inner: &'a mut dyn Sink,
    last: Option<Cursor>,
}

#[async_trait]
impl Sink for Capture<'_> {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        let cursor = page.cursor.clone();
        self.inner.page(page).await?;
        if cursor.is_some() {
            self.last = cursor;
        }
        Ok(())
    }
}

/// Catches up (a backfill first when there is no cursor), then long-polls
/// `/sync` until `window.until`, handing each change over as it arrives.
pub(super) async fn stream(
    m: &Matrix,
    session: &Session,
    since: Option<&Cursor>,
    window: &Window,
    sink: &mut dyn Sink,
) -> Result<More, ChannelError> {
    let mut state = match since.map(State::read).transpose()? {
        Some(state) if state.back.is_empty() => state,
        _ => {
            let mut capture = Capture {
                inner: &mut *sink,
                last: since.cloned(),
            };
            if pull(m, session, since, window, &mut capture).await? == More::Yes {
                return Ok(More::Yes);
            }
            match capture.last {
                Some(c) => State::read(&c)?,
                None => return Ok(More::No),
            }
        }
    };
    loop {
        let left = window.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(More::No);
        }
        let next = sync(m, session, Some(&state.since), left.min(LONG_POLL)).await?;
        forward(m, session, &mut state, next, sink).await?;
    }
}

/// The page a set of batches makes: messages with edits applied (an edit
/// whose original is not in the batch fetches it), redactions as
/// deletions, plain replies given their chain's thread root. While
/// backfilling, edits are skipped: the originals carry their latest edit.
async fn to_page(
    m: &Matrix,
    session: &Session,
    batches: Vec<Batch>,
    backfilling: bool,
) -> Result<Page, ChannelError> {
    let me = session.user_id.as_str();
    let mut items: Vec<IncomingMessage> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut deleted: Vec<String> = Vec::new();
    let mut later_edits: Vec<(String, RawEvent, HashMap<String, String>)> = Vec::new();
    for batch in &batches {
        for e in &batch.events {
            if let Some(gone) = e.redaction_of() {
                deleted.push(external_id(&batch.room, gone));
            } else if e.kind == "m.room.message" && e.is_redacted() {
                deleted.push(external_id(&batch.room, &e.event_id));
            } else if let Some(original) = e.replaces() {
                let id = external_id(&batch.room, original);
                match index.get(&id) {
                    Some(&i) => apply_edit(&mut items[i], e),
                    None if !backfilling => {
                        later_edits.push((batch.room.clone(), e.clone(), batch.names.clone()));
                    }
                    None => {}
                }
            } else if let Some(msg) = events::message(e, &batch.room, me, &batch.names) {
                match index.get(&msg.external_id) {
                    Some(&i) => items[i] = msg,
                    None => {
                        index.insert(msg.external_id.clone(), items.len());
                        items.push(msg);
                    }
                }
            }
        }
    }
    for (room, edit, names) in later_edits {
        let Some(original) = edit.replaces() else {
            continue;
        };
        let id = external_id(&room, original);
        if let Some(&i) = index.get(&id) {
            apply_edit(&mut items[i], &edit);
            continue;
        }
        let Some(event) = fetch_event(m, session, &room, original).await? else {
            continue;
        };
        if let Some(mut msg) = events::message(&event, &room, me, &names) {
            apply_edit(&mut msg, &edit);
            index.insert(msg.external_id.clone(), items.len());
            items.push(msg);
        }
    }
    items.retain(|i| !deleted.contains(&i.external_id));
    resolve_threads(m, session, &mut items).await?;
    Ok(Page {
        items: items.into_iter().map(IncomingItem::Message).collect(),
        deleted,
        cursor: None,
    })
}

/// One event, or `None` when the server does not have it (or hides it).
async fn fetch_event(
    m: &Matrix,
    session: &Session,
    room: &str,
    event: &str,
) -> Result<Option<RawEvent>, ChannelError> {
    let url = m.endpoint(&["rooms", room, "event", event])?;
    match m
        .call("event", Method::GET, url, Some(&session.token), None, None)
        .await
    {
        Ok(v) => Ok(RawEvent::parse(&v)),
        Err(ChannelError::Permanent(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Gives every plain reply (an `m.in_reply_to` outside a thread) the root of
/// its reply chain as its thread: from this page, from earlier pages, or by
/// fetching the chain (at most [`MAX_CHAIN`] events up).
async fn resolve_threads(
    m: &Matrix,
    session: &Session,
    items: &mut [IncomingMessage],
) -> Result<(), ChannelError> {
    for i in 0..items.len() {
        if let (Some(parent), None) = (
            items[i].parent_external_id.clone(),
            &items[i].thread_external_id,
        ) {
            let root = chain_root(m, session, items, parent).await?;
            items[i].thread_external_id = Some(root);
        }
        // Remembered for later replies: a root is its own thread.
        let root = items[i]
            .thread_external_id
            .clone()
            .unwrap_or_else(|| items[i].external_id.clone());
        if let Ok(mut known) = m.threads.lock() {
            if known.len() > 50_000 {
                known.clear();
            }
            known.insert(items[i].external_id.clone(), root);
        }
    }
    Ok(())
}

async fn chain_root(
    m: &Matrix,
    session: &Session,
    items: &[IncomingMessage],
    parent: String,
) -> Result<String, ChannelError> {
    let mut current = parent;
    for _ in 0..MAX_CHAIN {
        if let Some(known) = m.threads.lock().ok().and_then(|t| t.get(&current).cloned()) {
            return Ok(known);
        }
        if let Some(item) = items.iter().find(|i| i.external_id == current) {
            match (&item.thread_external_id, &item.parent_external_id) {
                (Some(root), _) => return Ok(root.clone()),
                (None, None) => return Ok(current),
                (None, Some(up)) => {
                    current = up.clone();
                    continue;
                }
            }
        }
        let Ok((room, event)) = events::split_id(&current) else {
            return Ok(current);
        };
        let Some(e) = fetch_event(m, session, room, event).await? else {
            return Ok(current);
        };
        if let Some(root) = e.thread_root() {
            return Ok(external_id(room, root));
        }
        match e.reply_to() {
            Some(up) => current = external_id(room, up),
            None => return Ok(current),
        }
    }
    Ok(current)
}
