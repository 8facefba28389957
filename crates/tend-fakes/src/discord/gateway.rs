//! The fake's Gateway: a WebSocket server speaking Discord's v10 protocol
//! with the recorded HELLO and READY frames as templates. Every dispatch is
//! appended to one log; a session delivers the log from where it stands,
//! numbering what it sends (`s`), so a RESUME with the last number replays
//! exactly what the client missed.

use super::{GUILD_ID, Shared};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// `MESSAGE_CONTENT`: without it, content arrives empty.
const MESSAGE_CONTENT: u64 = 1 << 15;

/// Where one session stands.
pub(super) struct SessionState {
    /// The last sequence number sent.
    seq: i64,
    /// The next log entry to deliver.
    next_log: usize,
    /// The log entry of each sequence number sent (`None`: READY and the like).
    delivered: Vec<Option<usize>>,
    intents: u64,
}

pub(super) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>, url: String) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let shared = shared.clone();
        let url = url.clone();
        tokio::spawn(async move {
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                connection(ws, shared, url).await;
            }
        });
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn close(ws: &mut Ws, code: u16, reason: &str) {
    let _ = ws
        .send(Frame::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_string().into(),
        })))
        .await;
}

async fn connection(mut ws: Ws, shared: Arc<Shared>, url: String) {
    let mut cut = shared.cut.subscribe();
    cut.borrow_and_update();
    let mut hello = shared.templates.hello.clone();
    hello["d"]["heartbeat_interval"] = json!(shared.lock().heartbeat_ms);
    if ws.send(Frame::text(hello.to_string())).await.is_err() {
        return;
    }
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next()).await;
    let Ok(Some(Ok(Frame::Text(text)))) = first else {
        return;
    };
    let Ok(payload) = serde_json::from_str::<Value>(&text) else {
        close(&mut ws, 4002, "Error while decoding payload.").await;
        return;
    };
    let token_ok = payload["d"]["token"].as_str() == Some(shared.lock().token.as_str());
    let session_id = match payload["op"].as_i64() {
        Some(2) if token_ok => {
            let intents = payload["d"]["intents"].as_u64().unwrap_or(0);
            let frames = {
                let mut state = shared.lock();
                state.identifies += 1;
                let id = format!("fake_session_{}", state.identifies);
                let mut session = SessionState {
                    seq: 0,
                    next_log: state.log.len(),
                    delivered: Vec::new(),
                    intents,
                };
                let mut ready = shared.templates.ready.clone();
                ready["session_id"] = json!(id);
                ready["resume_gateway_url"] = json!(url);
                ready["user"] = shared.templates.me.clone();
                ready["guilds"] = json!([{"id": GUILD_ID.to_string(), "unavailable": true}]);
                let threads: Vec<Value> = state
                    .channels
                    .iter()
                    .filter(|(_, c)| c.kind == 11)
                    .map(|(tid, c)| shared.templates.render_channel(*tid, c))
                    .collect();
                let guild = json!({"id": GUILD_ID.to_string(), "name": "Tend test server", "threads": threads});
                let frames = vec![
                    dispatch(&mut session, "READY", ready, None),
                    dispatch(&mut session, "GUILD_CREATE", guild, None),
                ];
                state.sessions.insert(id.clone(), session);
                (id, frames)
            };
            for f in frames.1 {
                if ws.send(Frame::text(f)).await.is_err() {
                    return;
                }
            }
            frames.0
        }
        Some(6) if token_ok => {
            let id = payload["d"]["session_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let seq = payload["d"]["seq"].as_i64().unwrap_or(0);
            let resumed = {
                let mut state = shared.lock();
                let log_len = state.log.len();
                match state.sessions.get_mut(&id) {
                    Some(s) if seq <= s.seq && seq >= 0 => {
                        // Deliver again from the first number the client lacks.
                        let lacking = usize::try_from(seq).unwrap_or(0);
                        let from = s.delivered[lacking..].iter().flatten().next().copied();
                        if let Some(from) = from {
                            s.next_log = from;
                        }
                        s.next_log = s.next_log.min(log_len);
                        s.delivered.truncate(lacking);
                        s.seq = seq;
                        let frame = dispatch(s, "RESUMED", json!({}), None);
                        state.resumes += 1;
                        Some(frame)
                    }
                    _ => None,
                }
            };
            let Some(frame) = resumed else {
                let _ = ws
                    .send(Frame::text(
                        json!({"op": 9, "d": false, "s": null, "t": null}).to_string(),
                    ))
                    .await;
                close(&mut ws, 4009, "Session timed out").await;
                return;
            };
            if ws.send(Frame::text(frame)).await.is_err() {
                return;
            }
            id
        }
        Some(2 | 6) => {
            close(&mut ws, 4004, "Authentication failed.").await;
            return;
        }
        _ => {
            close(&mut ws, 4003, "Not authenticated.").await;
            return;
        }
    };
    loop {
        let arrived = shared.events.notified();
        // A cut wins over delivering: what comes after it is for the resume.
        if cut.has_changed().unwrap_or(true) {
            return;
        }
        let frames = {
            let mut state = shared.lock();
            let log: Vec<(String, Value)> = match state.sessions.get(&session_id) {
                Some(s) => state.log[s.next_log.min(state.log.len())..].to_vec(),
                None => return,
            };
            let start = state.sessions.get(&session_id).map_or(0, |s| s.next_log);
            let Some(session) = state.sessions.get_mut(&session_id) else {
                return;
            };
            log.into_iter()
                .enumerate()
                .map(|(i, (t, mut d))| {
                    // Without the intent, guild messages come without
                    // content (direct messages keep theirs).
                    let guild_message = matches!(t.as_str(), "MESSAGE_CREATE" | "MESSAGE_UPDATE")
                        && d.get("guild_id").is_some();
                    if session.intents & MESSAGE_CONTENT == 0 && guild_message {
                        d["content"] = json!("");
                    }
                    session.next_log = start + i + 1;
                    dispatch(session, &t, d, Some(start + i))
                })
                .collect::<Vec<_>>()
        };
        for f in frames {
            if ws.send(Frame::text(f)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            biased;
            changed = cut.changed() => {
                // Cut: drop the socket without a close frame.
                let _ = changed;
                return;
            }
            () = arrived => {}
            frame = ws.next() => match frame {
                Some(Ok(Frame::Text(text))) => {
                    let op = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v["op"].as_i64());
                    if op == Some(1)
                        && ws.send(Frame::text(json!({"op": 11, "d": null, "s": null, "t": null}).to_string())).await.is_err()
                    {
                        return;
                    }
                }
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    }
}

/// A dispatch frame with the session's next sequence number.
fn dispatch(session: &mut SessionState, t: &str, d: Value, log: Option<usize>) -> String {
    session.seq += 1;
    session.delivered.push(log);
    json!({"op": 0, "t": t, "s": session.seq, "d": d}).to_string()
}
