//! The Gateway session: a WebSocket where Discord pushes what happens.
//!
//! HELLO (op 10, the heartbeat interval) → IDENTIFY (op 2: token, intents)
//! or RESUME (op 6: the last session and sequence number) → READY (the
//! session id and the address to resume at) or RESUMED (the missed events
//! follow). Heartbeats (op 1, the last sequence number) go out at the
//! interval; one without an acknowledgement (op 11) before the next means a
//! dead connection, which is dropped and resumed. Op 7 (reconnect) and op 9
//! (invalid session; `d` says whether it can be resumed) end the connection;
//! the connector connects again. Close codes 4004 (authentication failed)
//! and 4010–4014 (bad shard, intents not allowed) are for an admin to fix.

use super::{Discord, api, hand_over, write_cursor};
use crate::live::{ChannelError, Page, Sink, Window};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tend_domain::IncomingItem;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// `GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT`.
pub(super) const INTENTS: u64 = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15);
/// How long connecting and HELLO may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A session that can be resumed.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub id: String,
    pub seq: Option<i64>,
    pub resume_url: String,
}

/// One Gateway payload.
#[derive(Debug, Deserialize)]
struct Payload {
    op: i64,
    #[serde(default)]
    d: Value,
    s: Option<i64>,
    t: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Ready {
    session_id: String,
    resume_gateway_url: String,
}

/// The address with the version and encoding Tend speaks.
fn with_query(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url).trim_end_matches('/');
    format!("{base}/?v=10&encoding=json")
}

fn ws_error(e: tokio_tungstenite::tungstenite::Error) -> ChannelError {
    ChannelError::Transient(format!("Discord Gateway: {e}"))
}

/// What a dispatch means for the reading.
enum Dispatched {
    Nothing,
    Page(Page),
}

/// Maps a Gateway frame's message (for the fuzz target).
pub(super) fn fuzz_frame(text: &str, cx: api::Context<'_>) -> Result<(), String> {
    let payload: Payload = api::parse("gateway frame", text)?;
    if payload.op == 0
        && matches!(
            payload.t.as_deref(),
            Some("MESSAGE_CREATE" | "MESSAGE_UPDATE")
        )
    {
        let m: api::Message = api::from_value("gateway message", payload.d)?;
        api::message(&m, cx)?;
    } else if payload.t.as_deref() == Some("MESSAGE_DELETE") {
        let _: api::Deleted = api::from_value("gateway delete", payload.d)?;
    }
    Ok(())
}

impl Discord {
    /// The Gateway's address: the setting, else `GET /gateway/bot`.
    async fn gateway_url(&self) -> Result<String, ChannelError> {
        if let Some(url) = &self.gateway {
            return Ok(url.clone());
        }
        let body = self
            .ok(
                reqwest::Method::GET,
                "GET /gateway/bot",
                "/gateway/bot",
                None,
            )
            .await?;
        let bot: api::GatewayBot =
            api::parse("gateway/bot", &body).map_err(ChannelError::Transient)?;
        Ok(bot.url)
    }

    /// One Gateway connection, until the window ends or the connection does.
    /// After a fresh session (READY) the channels are caught up over REST.
    pub(super) async fn listen(
        &self,
        positions: &mut BTreeMap<String, u64>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<(), ChannelError> {
        let me = self.me().await?.id.clone();
        let saved = self.session.lock().await.clone();
        let url = match &saved {
            Some(s) => s.resume_url.clone(),
            None => self.gateway_url().await?,
        };
        let url = with_query(&url);
        crate::live::http::install_tls();
        let (mut socket, _) = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        .map_err(|_| ChannelError::Transient("Discord Gateway did not answer".into()))?
        .map_err(ws_error)?;
        // HELLO first.
        let hello = tokio::time::timeout(CONNECT_TIMEOUT, socket.next())
            .await
            .map_err(|_| ChannelError::Transient("Discord Gateway sent no HELLO".into()))?;
        let interval = match hello {
            Some(Ok(Frame::Text(text))) => {
                let p: Payload = api::parse("HELLO", &text).map_err(ChannelError::Transient)?;
                p.d.get("heartbeat_interval")
                    .and_then(Value::as_u64)
                    .filter(|ms| p.op == 10 && *ms > 0)
                    .map(Duration::from_millis)
                    .ok_or_else(|| {
                        ChannelError::Transient(format!(
                            "Discord Gateway: expected HELLO, got op {}",
                            p.op
                        ))
                    })?
            }
            Some(Ok(Frame::Close(close))) => return Err(closed(close.map(|c| c.code))),
            Some(Err(e)) => return Err(ws_error(e)),
            _ => return Err(ChannelError::Transient("Discord Gateway: no HELLO".into())),
        };
        let hello_reply = match &saved {
            Some(s) => {
                json!({"op": 6, "d": {"token": self.token, "session_id": s.id, "seq": s.seq}})
            }
            None => json!({"op": 2, "d": {
                "token": self.token,
                "intents": INTENTS,
                "properties": {"os": std::env::consts::OS, "browser": "tend", "device": "tend"},
            }}),
        };
        socket
            .send(Frame::text(hello_reply.to_string()))
            .await
            .map_err(ws_error)?;
        let mut seq = saved.as_ref().and_then(|s| s.seq);
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        let mut acked = true;
        let until = tokio::time::Instant::from_std(window.until);
        let outcome = loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => break Ok(()),
                _ = beat.tick() => {
                    if !acked {
                        break Err(ChannelError::Transient(
                            "Discord Gateway: no heartbeat acknowledgement; resuming".into(),
                        ));
                    }
                    acked = false;
                    let frame = json!({"op": 1, "d": seq}).to_string();
                    if let Err(e) = socket.send(Frame::text(frame)).await {
                        break Err(ws_error(e));
                    }
                }
                frame = socket.next() => {
                    let text = match frame {
                        Some(Ok(Frame::Text(text))) => text,
                        Some(Ok(Frame::Close(close))) => break Err(closed(close.map(|c| c.code))),
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => break Err(ws_error(e)),
                        None => break Err(ChannelError::Transient("Discord Gateway closed".into())),
                    };
                    // A frame that cannot be read is skipped.
                    let Ok(payload) = api::parse::<Payload>("gateway frame", &text) else {
                        continue;
                    };
                    match payload.op {
                        0 => {
                            if payload.s.is_some() {
                                seq = payload.s;
                            }
                            let kind = payload.t.clone().unwrap_or_default();
                            if kind == "READY" {
                                let ready: Ready = api::from_value("READY", payload.d)
                                    .map_err(ChannelError::Transient)?;
                                *self.session.lock().await = Some(Session {
                                    id: ready.session_id,
                                    seq,
                                    resume_url: ready.resume_gateway_url,
                                });
                                // A fresh session missed what happened before it.
                                let mut w = *window;
                                loop {
                                    w.max_pages = 50;
                                    if self.catch_up(positions, &w, sink).await? == crate::live::More::No {
                                        break;
                                    }
                                }
                                continue;
                            }
                            if let Some(s) = self.session.lock().await.as_mut() {
                                s.seq = seq;
                            }
                            if let Dispatched::Page(page) = self.dispatch(&kind, payload.d, &me, positions) {
                                hand_over(sink, page).await?;
                            }
                        }
                        1 => {
                            let frame = json!({"op": 1, "d": seq}).to_string();
                            if let Err(e) = socket.send(Frame::text(frame)).await {
                                break Err(ws_error(e));
                            }
                        }
                        7 => break Ok(()),
                        9 => {
                            if payload.d != Value::Bool(true) {
                                *self.session.lock().await = None;
                            }
                            break Ok(());
                        }
                        11 => acked = true,
                        _ => {}
                    }
                }
            }
        };
        // Not 1000/1001: those end the session, and the next stream resumes it.
        let _ = socket
            .close(Some(CloseFrame {
                code: CloseCode::Restart,
                reason: "the read window ended".into(),
            }))
            .await;
        outcome
    }

    /// A dispatch (`t`) with its data: a page for messages of followed
    /// channels; threads are learned.
    fn dispatch(
        &self,
        kind: &str,
        d: Value,
        me: &str,
        positions: &mut BTreeMap<String, u64>,
    ) -> Dispatched {
        match kind {
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" => {
                let Ok(m) = api::from_value::<api::Message>("gateway message", d) else {
                    return Dispatched::Nothing;
                };
                let direct = m.guild_id.is_none();
                if !self.follows(m.guild_id.as_deref(), &m.channel_id) {
                    return Dispatched::Nothing;
                }
                let parent = self.thread_parent(&m.channel_id);
                let Ok(Some(message)) =
                    api::message(&m, self.context(me, parent.as_deref(), direct))
                else {
                    return Dispatched::Nothing;
                };
                let mut cursor = None;
                if !direct
                    && kind == "MESSAGE_CREATE"
                    && let Ok(id) = m.id.parse::<u64>()
                {
                    let at = positions.entry(m.channel_id.clone()).or_insert(id);
                    *at = (*at).max(id);
                    cursor = Some(write_cursor(positions));
                }
                Dispatched::Page(Page {
                    items: vec![IncomingItem::Message(message)],
                    deleted: Vec::new(),
                    cursor,
                })
            }
            "MESSAGE_DELETE" => {
                let Ok(gone) = api::from_value::<api::Deleted>("gateway delete", d) else {
                    return Dispatched::Nothing;
                };
                if !self.follows(gone.guild_id.as_deref(), &gone.channel_id) {
                    return Dispatched::Nothing;
                }
                Dispatched::Page(Page {
                    items: Vec::new(),
                    deleted: vec![api::external_id(&gone.channel_id, &gone.id)],
                    cursor: None,
                })
            }
            "THREAD_CREATE" | "THREAD_UPDATE" => {
                if let Ok(t) = api::from_value::<api::Channel>("thread", d) {
                    self.learn_thread(t);
                }
                Dispatched::Nothing
            }
            "GUILD_CREATE" => {
                let threads = d.get("threads").cloned().unwrap_or(Value::Null);
                if let Ok(list) = api::from_value::<Vec<api::Channel>>("guild threads", threads) {
                    for t in list {
                        self.learn_thread(t);
                    }
                }
                Dispatched::Nothing
            }
            _ => Dispatched::Nothing,
        }
    }

    fn learn_thread(&self, t: api::Channel) {
        if let Some(parent) = t.parent_id.filter(|_| api::THREADS.contains(&t.kind)) {
            self.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(t.id, parent);
        }
    }
}

/// What a close code means.
fn closed(code: Option<CloseCode>) -> ChannelError {
    let n = code.map(u16::from).unwrap_or(1000);
    match n {
        4004 => ChannelError::Unauthorized("Discord Gateway: authentication failed (4004)".into()),
        4013 | 4014 => ChannelError::Permanent(format!(
            "Discord Gateway refused the intents ({n}): enable the Message Content intent in the Developer Portal"
        )),
        4010..=4012 => ChannelError::Permanent(format!("Discord Gateway closed with {n}")),
        _ => ChannelError::Transient(format!("Discord Gateway closed with {n}")),
    }
}
