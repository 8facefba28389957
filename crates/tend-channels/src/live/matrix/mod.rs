//! Matrix: rooms on any homeserver, through the client-server API (v3).
//!
//! - Settings: the homeserver's URL and the rooms to follow (ids `!…` or
//!   aliases `#…`; none = every room the account has joined). Credentials: an
//!   access token, or a login and password (logged in once; the token is
//!   handed back through [`Connector::refreshed`] so the next start reuses the
//!   same device: Synapse scopes transaction ids to the device).
//! - Reading: `/sync` with a filter (the rooms, `m.room.message` and
//!   redactions, lazy-loaded member names). The cursor holds the `next_batch`
//!   token and, while a backfill runs, each room's `/messages` token going
//!   back (see `cursor.rs`). A gap in a sync (`limited` timeline) is filled
//!   with `/messages` back to the previous token. Streaming is the `/sync`
//!   long-poll.
//! - Mapping (see [`events`]): external id `{room_id}/{event_id}`; thread =
//!   the `m.thread` root, else the root of the `m.in_reply_to` chain; an edit
//!   (`m.replace`) is the original's id with the new text and `edited_at`; a
//!   redaction is a deletion; the account's own messages are outbound.
//! - Publishing: `PUT /rooms/{room}/send/m.room.message/{txnId}` with the
//!   idempotency key as the transaction id (the same txnId gives the same
//!   event). A reply goes to the target's room, in the thread of its root
//!   (`m.thread` with an `m.in_reply_to` to the target). A post without a
//!   target goes to the first configured room. [`Publisher::lookup`] scans
//!   the room's recent events from the account for `unsigned.transaction_id`
//!   (only the sending device sees it); delete = redact.

mod cursor;
pub mod events;
mod sync;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use events::{external_id, permalink, split_id};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// How many of the room's latest events of the account a lookup reads.
const LOOKUP_EVENTS: usize = 500;

/// Synapse's event size limit is 64 KiB of JSON: this many characters of
/// any script fit with room for the envelope.
const MAX_CHARS: usize = 15_000;

/// A Matrix account in some rooms.
pub struct Matrix {
    base: Url,
    rooms: Vec<String>,
    credentials: Credentials,
    http: reqwest::Client,
    session: tokio::sync::Mutex<Option<Session>>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    /// Thread roots found for events (external id → root external id).
    threads: std::sync::Mutex<HashMap<String, String>>,
}

/// Who the connector is signed in as.
#[derive(Debug, Clone)]
struct Session {
    token: String,
    user_id: String,
    /// The configured rooms as ids (aliases resolved); `None` = all joined.
    rooms: Option<Vec<String>>,
}

/// Checks a homeserver URL and room list (for the settings).
pub fn validate(homeserver: &str, rooms: &[String]) -> Result<(), ChannelError> {
    base_url(homeserver)?;
    if rooms.len() > 200 {
        return Err(ChannelError::Permanent(
            "Matrix rooms: at most 200 rooms per channel".into(),
        ));
    }
    for room in rooms {
        // Room ids from room version 12 on have no server part.
        let ok = ((room.starts_with('!') && room.len() > 1)
            || (room.starts_with('#') && room[1..].contains(':')))
            && room.len() <= 255
            && !room.contains('/')
            && !room.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(ChannelError::Permanent(format!(
                "Matrix rooms: {room:?} is neither a room id (!id) nor an alias (#name:server)"
            )));
        }
    }
    Ok(())
}

fn base_url(homeserver: &str) -> Result<Url, ChannelError> {
    let url = Url::parse(homeserver.trim()).map_err(|e| {
        ChannelError::Permanent(format!(
            "Matrix homeserver: {homeserver:?} is not a URL: {e}"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ChannelError::Permanent(format!(
            "Matrix homeserver: {homeserver:?} must be an http(s) address"
        )));
    }
    Ok(url)
}

impl Matrix {
    /// A connector for `rooms` on `homeserver`, signed in with `credentials`
    /// (a [`Credentials::Token`] or [`Credentials::Password`]; the sign-in
    /// happens on the first call).
    pub fn new(
        homeserver: &str,
        rooms: &[String],
        credentials: &Credentials,
    ) -> Result<Matrix, ChannelError> {
        validate(homeserver, rooms)?;
        if !matches!(
            credentials,
            Credentials::Token { .. } | Credentials::Password { .. }
        ) {
            return Err(ChannelError::Unauthorized(
                "Matrix needs an access token or a login and password".into(),
            ));
        }
        Ok(Matrix {
            base: base_url(homeserver)?,
            rooms: rooms.to_vec(),
            credentials: credentials.clone(),
            http: http::client()?,
            session: tokio::sync::Mutex::new(None),
            refreshed: std::sync::Mutex::new(None),
            threads: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The URL of a client-server API endpoint: `/_matrix/client/v3/` and the
    /// (percent-encoded) path segments.
    fn endpoint(&self, segments: &[&str]) -> Result<Url, ChannelError> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| {
                ChannelError::Permanent("Matrix homeserver URL cannot have a path".into())
            })?;
            path.pop_if_empty()
                .extend(["_matrix", "client", "v3"])
                .extend(segments);
        }
        Ok(url)
    }

    /// Sends one request; the answer's JSON, or the error it means.
    async fn call(
        &self,
        what: &str,
        method: Method,
        url: Url,
        token: Option<&str>,
        body: Option<&Value>,
        timeout: Option<Duration>,
    ) -> Result<Value, ChannelError> {
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let response = request.send().await.map_err(http::from_reqwest)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(http::from_reqwest)?;
        if status.is_success() {
            return events::parse(what, &bytes);
        }
        Err(error(what, status, &headers, &bytes))
    }

    /// The session, signing in (and resolving room aliases) on first use.
    async fn session(&self) -> Result<Session, ChannelError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let token = match &self.credentials {
            Credentials::Token { token } => token.clone(),
            Credentials::Password { username, password } => {
                let token = self.login(username, password).await?;
                if let Ok(mut r) = self.refreshed.lock() {
                    *r = Some(Credentials::Token {
                        token: token.clone(),
                    });
                }
                token
            }
            _ => return Err(ChannelError::Unauthorized("no Matrix credentials".into())),
        };
        let me = self
            .call(
                "whoami",
                Method::GET,
                self.endpoint(&["account", "whoami"])?,
                Some(&token),
                None,
                None,
            )
            .await?;
        let user_id = me
            .get("user_id")
            .and_then(Value::as_str)
            .ok_or_else(|| ChannelError::Transient("Matrix whoami: no user_id".into()))?
            .to_owned();
        let mut rooms = Vec::new();
        for room in &self.rooms {
            rooms.push(self.resolve(room, &token).await?);
        }
        let session = Session {
            token,
            user_id,
            rooms: (!rooms.is_empty()).then_some(rooms),
        };
        *guard = Some(session.clone());
        Ok(session)
    }

    async fn login(&self, username: &str, password: &str) -> Result<String, ChannelError> {
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": username},
            "password": password,
            "initial_device_display_name": "Tend",
        });
        let answer = self
            .call(
                "login",
                Method::POST,
                self.endpoint(&["login"])?,
                None,
                Some(&body),
                None,
            )
            .await
            .map_err(|e| match e {
                ChannelError::Permanent(r) if r.contains("M_FORBIDDEN") => {
                    ChannelError::Unauthorized(r)
                }
                e => e,
            })?;
        answer
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ChannelError::Transient("Matrix login: no access_token".into()))
    }

    /// A room id for a room id or alias.
    async fn resolve(&self, room: &str, token: &str) -> Result<String, ChannelError> {
        if room.starts_with('!') {
            return Ok(room.to_owned());
        }
        let answer = self
            .call(
                "room alias",
                Method::GET,
                self.endpoint(&["directory", "room", room])?,
                Some(token),
                None,
                None,
            )
            .await
            .map_err(|e| match e {
                ChannelError::Permanent(r) => {
                    ChannelError::Permanent(format!("Matrix rooms: alias {room}: {r}"))
                }
                e => e,
            })?;
        answer
            .get("room_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                ChannelError::Transient(format!("Matrix rooms: alias {room}: no room_id"))
            })
    }

    /// The room a post goes to: the reply target's, else the first configured.
    fn room_of(&self, post: &Outgoing, session: &Session) -> Result<String, ChannelError> {
        if let Some(target) = &post.reply_to {
            return Ok(split_id(&target.external_id)?.0.to_owned());
        }
        session
            .rooms
            .as_ref()
            .and_then(|r| r.first())
            .cloned()
            .ok_or_else(|| {
                ChannelError::Permanent(
                    "Matrix: a post needs a room: name one in the channel's rooms, or reply to a message"
                        .into(),
                )
            })
    }
}

/// The error a Matrix error answer means: `M_LIMIT_EXCEEDED` waits
/// `retry_after_ms`; unknown or missing tokens are `Unauthorized`; a refusal
/// (403, not in the room, no power) is `Permanent`.
fn error(
    what: &str,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> ChannelError {
    let text = String::from_utf8_lossy(body);
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let errcode = parsed
        .as_ref()
        .and_then(|v| v.get("errcode"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let reason = format!(
        "Matrix {what}: HTTP {}: {}",
        status.as_u16(),
        http::short(&text)
    );
    match errcode {
        "M_LIMIT_EXCEEDED" => {
            let ms = parsed
                .as_ref()
                .and_then(|v| v.get("retry_after_ms"))
                .and_then(Value::as_u64);
            let wait = ms
                .map(Duration::from_millis)
                .or_else(|| http::retry_after(headers))
                .unwrap_or(Duration::from_secs(5));
            ChannelError::RateLimited {
                retry_after: wait.min(http::MAX_RETRY_AFTER),
            }
        }
        "M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN" | "M_USER_DEACTIVATED" => {
            ChannelError::Unauthorized(reason)
        }
        _ if status.as_u16() == 403 => ChannelError::Permanent(reason),
        _ => match http::from_status(status, headers, &text) {
            ChannelError::Permanent(_) => ChannelError::Permanent(reason),
            ChannelError::Transient(_) => ChannelError::Transient(reason),
            ChannelError::Unauthorized(_) => ChannelError::Unauthorized(reason),
            limited => limited,
        },
    }
}

/// Percent-encodes one path segment or query value.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[async_trait]
impl Source for Matrix {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let session = self.session().await?;
        sync::pull(self, &session, since, window, sink).await
    }

    fn streams(&self) -> bool {
        true
    }

    async fn stream(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let session = self.session().await?;
        sync::stream(self, &session, since, window, sink).await
    }
}

#[async_trait]
impl Publisher for Matrix {
    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        if post.text.trim().is_empty() {
            return Err(ChannelError::Permanent("Matrix: empty text".into()));
        }
        if post.text.chars().count() > MAX_CHARS {
            return Err(ChannelError::Permanent(format!(
                "Matrix: the text is longer than {MAX_CHARS} characters"
            )));
        }
        let session = self.session().await?;
        let room = self.room_of(post, &session)?;
        let mut content = json!({"msgtype": "m.text", "body": post.text});
        if let Some(target) = &post.reply_to {
            let (_, event) = split_id(&target.external_id)?;
            let root = match &target.thread_external_id {
                Some(thread) => match split_id(thread)? {
                    (r, root) if r == room => root,
                    _ => event,
                },
                None => event,
            };
            content["m.relates_to"] = json!({
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": root == event,
                "m.in_reply_to": {"event_id": event},
            });
        }
        let url = self.endpoint(&["rooms", &room, "send", "m.room.message", &post.key])?;
        let answer = self
            .call(
                "send",
                Method::PUT,
                url,
                Some(&session.token),
                Some(&content),
                None,
            )
            .await?;
        let event = answer
            .get("event_id")
            .and_then(Value::as_str)
            .ok_or_else(|| ChannelError::Transient("Matrix send: no event_id".into()))?;
        Ok(RemoteRef {
            id: external_id(&room, event),
            url: Some(permalink(&room, event)),
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let session = self.session().await?;
        let room = self.room_of(post, &session)?;
        let filter = json!({"types": ["m.room.message"], "senders": [session.user_id]});
        let mut from: Option<String> = None;
        let mut read = 0;
        while read < LOOKUP_EVENTS {
            let page =
                sync::messages(self, &session, &room, from.as_deref(), None, &filter).await?;
            read += page.chunk.len().max(1);
            for e in page.chunk.iter().filter_map(events::RawEvent::parse) {
                if e.transaction_id() == Some(post.key.as_str()) {
                    return Ok(Some(RemoteRef {
                        id: external_id(&room, &e.event_id),
                        url: Some(permalink(&room, &e.event_id)),
                    }));
                }
            }
            match page.end {
                Some(end) if !page.chunk.is_empty() => from = Some(end),
                _ => break,
            }
        }
        Ok(None)
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let (room, event) = split_id(&item.id)?;
        let session = self.session().await?;
        let txn = format!("tend-redact-{}", encode(event));
        let url = self.endpoint(&["rooms", room, "redact", event, &txn])?;
        let body = json!({});
        match self
            .call(
                "redact",
                Method::PUT,
                url,
                Some(&session.token),
                Some(&body),
                None,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(ChannelError::Permanent(r)) if r.contains("M_NOT_FOUND") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Connector for Matrix {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let session = self.session().await?;
        Ok(AccountInfo {
            handle: Some(session.user_id),
            token_expires_at: None,
            max_chars: Some(MAX_CHARS),
        })
    }

    fn refreshed(&self) -> Option<Credentials> {
        self.refreshed.lock().ok().and_then(|r| r.clone())
    }
}

/// For the fuzz target `live_matrix`: runs `bytes` through everything that
/// reads a `/sync` or `/messages` answer without the network (rooms, member
/// names, messages, edits, redactions). Must never panic. Not part of the API.
#[doc(hidden)]
pub fn fuzz_payload(bytes: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let mut rooms: Vec<(String, Vec<Value>, Vec<Value>)> = Vec::new();
    if let Ok(sync) = serde_json::from_value::<events::SyncResponse>(value.clone()) {
        for (room, joined) in sync.rooms.join {
            rooms.push((room, joined.timeline.events, joined.state.events));
        }
    }
    if let Ok(page) = serde_json::from_value::<events::MessagesResponse>(value) {
        rooms.push(("!fuzz:example".to_owned(), page.chunk, page.state));
    }
    for (room, timeline, state) in rooms {
        let names = events::display_names(&state);
        let mut items: Vec<tend_domain::IncomingMessage> = Vec::new();
        for e in timeline.iter().filter_map(events::RawEvent::parse) {
            let _ = e.redaction_of();
            if e.replaces().is_some() {
                if let Some(first) = items.first_mut() {
                    events::apply_edit(first, &e);
                }
            } else if let Some(m) = events::message(&e, &room, "@brand:example", &names) {
                items.push(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_what_is_wrong() {
        assert!(validate("https://matrix.example.org", &["#tend:example.org".into()]).is_ok());
        let bad = validate("ftp://x", &[]).unwrap_err();
        assert!(bad.to_string().contains("homeserver"), "{bad}");
        let bad = validate("https://hs", &["general".into()]).unwrap_err();
        assert!(bad.to_string().contains("\"general\""), "{bad}");
    }

    #[test]
    fn limit_exceeded_waits_what_the_server_says() {
        let body =
            br#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":1500}"#;
        let e = error(
            "send",
            reqwest::StatusCode::TOO_MANY_REQUESTS,
            &reqwest::header::HeaderMap::new(),
            body,
        );
        assert_eq!(
            e,
            ChannelError::RateLimited {
                retry_after: Duration::from_millis(1500)
            }
        );
        let e = error(
            "send",
            reqwest::StatusCode::FORBIDDEN,
            &reqwest::header::HeaderMap::new(),
            br#"{"errcode":"M_FORBIDDEN","error":"not in room"}"#,
        );
        assert!(matches!(e, ChannelError::Permanent(r) if r.contains("not in room")));
    }
}
