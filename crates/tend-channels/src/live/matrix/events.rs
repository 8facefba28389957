//! Matrix payloads (the client-server API's `/sync`, `/messages` and event
//! JSON) and their mapping to Tend's messages. Pure functions: nothing here
//! talks to the network.
//!
//! A message's external id is `{room_id}/{event_id}` ([`external_id`]): an
//! event id is only addressable within its room, and a reply or a deletion
//! must know the room. Event ids start with `$`, so [`split_id`] cuts at the
//! first `/$`.

use crate::import::html;
use crate::live::ChannelError;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// The answer of `GET /sync`.
#[derive(Debug, Deserialize)]
pub(super) struct SyncResponse {
    pub next_batch: String,
    #[serde(default)]
    pub rooms: SyncRooms,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SyncRooms {
    #[serde(default)]
    pub join: BTreeMap<String, JoinedRoom>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct JoinedRoom {
    #[serde(default)]
    pub timeline: Timeline,
    #[serde(default)]
    pub state: StateEvents,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Timeline {
    #[serde(default)]
    pub events: Vec<Value>,
    #[serde(default)]
    pub limited: bool,
    #[serde(default)]
    pub prev_batch: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct StateEvents {
    #[serde(default)]
    pub events: Vec<Value>,
}

/// The answer of `GET /rooms/{id}/messages`.
#[derive(Debug, Deserialize)]
pub(super) struct MessagesResponse {
    #[serde(default)]
    pub chunk: Vec<Value>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub state: Vec<Value>,
}

/// One room event, as far as Tend reads it. Events are parsed one by one, so
/// a malformed event is skipped instead of stopping the channel.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct RawEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub event_id: String,
    pub sender: String,
    pub origin_server_ts: i64,
    #[serde(default)]
    pub content: Value,
    #[serde(default)]
    pub redacts: Option<String>,
    #[serde(default)]
    pub state_key: Option<String>,
    #[serde(default)]
    pub unsigned: Value,
}

impl RawEvent {
    pub fn parse(v: &Value) -> Option<RawEvent> {
        RawEvent::deserialize(v).ok()
    }

    /// The transaction id the sender used (visible to the sending device only).
    pub fn transaction_id(&self) -> Option<&str> {
        self.unsigned.get("transaction_id").and_then(Value::as_str)
    }

    fn relates_to(&self) -> Option<&Value> {
        self.content.get("m.relates_to")
    }

    fn rel_type(&self) -> Option<&str> {
        self.relates_to()?.get("rel_type")?.as_str()
    }

    fn rel_event(&self) -> Option<&str> {
        self.relates_to()?.get("event_id")?.as_str()
    }

    /// The event this one edits (`m.replace`).
    pub fn replaces(&self) -> Option<&str> {
        (self.kind == "m.room.message" && self.rel_type() == Some("m.replace"))
            .then(|| self.rel_event())
            .flatten()
    }

    /// The event a redaction removes (top level before room v11, in the
    /// content since).
    pub fn redaction_of(&self) -> Option<&str> {
        if self.kind != "m.room.redaction" {
            return None;
        }
        self.redacts
            .as_deref()
            .or_else(|| self.content.get("redacts").and_then(Value::as_str))
    }

    /// The thread root, for an event in an `m.thread`.
    pub fn thread_root(&self) -> Option<&str> {
        (self.rel_type() == Some("m.thread"))
            .then(|| self.rel_event())
            .flatten()
    }

    /// The event this one answers: `m.in_reply_to`, unless it is only a
    /// thread's fallback (then the thread root).
    pub fn reply_to(&self) -> Option<&str> {
        let rel = self.relates_to()?;
        let falling_back = rel.get("is_falling_back").and_then(Value::as_bool) == Some(true);
        let in_reply_to = rel
            .get("m.in_reply_to")
            .and_then(|r| r.get("event_id"))
            .and_then(Value::as_str);
        match (self.thread_root(), in_reply_to) {
            (Some(root), _) if falling_back => Some(root),
            (_, Some(parent)) => Some(parent),
            (root, None) => root,
        }
    }

    /// Whether the server removed the content (a redacted event).
    pub fn is_redacted(&self) -> bool {
        self.unsigned.get("redacted_because").is_some()
            || (self.kind == "m.room.message" && self.content.get("body").is_none())
    }

    /// The latest edit the server bundled with the event (`m.replace`
    /// aggregation), from the same sender.
    pub fn bundled_edit(&self) -> Option<RawEvent> {
        let edit = self.unsigned.get("m.relations")?.get("m.replace")?;
        let edit = RawEvent::parse(edit)?;
        (edit.sender == self.sender && edit.replaces() == Some(&self.event_id)).then_some(edit)
    }
}

/// Display names of the room's members, from `m.room.member` state events.
pub(super) fn display_names(state: &[Value]) -> HashMap<String, String> {
    state
        .iter()
        .filter_map(RawEvent::parse)
        .filter(|e| e.kind == "m.room.member")
        .filter_map(|e| {
            let name = e.content.get("displayname")?.as_str()?.trim().to_owned();
            Some((e.state_key?, name))
        })
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

/// `{room_id}/{event_id}`: the external id of an event.
pub fn external_id(room: &str, event: &str) -> String {
    format!("{room}/{event}")
}

/// The room and event ids of an external id made by [`external_id`].
pub fn split_id(id: &str) -> Result<(&str, &str), ChannelError> {
    match id.find("/$") {
        Some(i) if id.starts_with('!') => Ok((&id[..i], &id[i + 1..])),
        _ => Err(ChannelError::Permanent(format!(
            "Matrix: {id:?} is not a message id of the form !room:server/$event"
        ))),
    }
}

/// A link to the event for people (matrix.to).
pub fn permalink(room: &str, event: &str) -> String {
    format!(
        "https://matrix.to/#/{}/{}",
        super::encode(room),
        super::encode(event)
    )
}

/// What the text of a message event says: the HTML body when there is one
/// (without a reply's quoted fallback), else the plain body (without its
/// `> ` quote lines); media as `[image: name]`.
pub(super) fn text_of(content: &Value) -> Option<String> {
    let body = content.get("body")?.as_str()?;
    let msgtype = content.get("msgtype").and_then(Value::as_str).unwrap_or("");
    let media = match msgtype {
        "m.image" => Some("image"),
        "m.file" => Some("file"),
        "m.video" => Some("video"),
        "m.audio" => Some("audio"),
        _ => None,
    };
    if let Some(media) = media {
        return Some(format!("[{media}: {}]", body.trim()));
    }
    let html_body = (content.get("format").and_then(Value::as_str)
        == Some("org.matrix.custom.html"))
    .then(|| content.get("formatted_body").and_then(Value::as_str))
    .flatten();
    let text = match html_body {
        Some(h) => html::to_text(&strip_mx_reply(h)),
        None => strip_quote_fallback(body),
    };
    let text = text.trim();
    Some(if msgtype == "m.emote" {
        format!("* {text}")
    } else {
        text.to_owned()
    })
}

fn strip_mx_reply(h: &str) -> String {
    match (h.find("<mx-reply>"), h.find("</mx-reply>")) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &h[..a], &h[b + "</mx-reply>".len()..]),
        _ => h.to_owned(),
    }
}

fn strip_quote_fallback(body: &str) -> String {
    if !body.starts_with("> ") {
        return body.to_owned();
    }
    let rest: Vec<&str> = body
        .lines()
        .skip_while(|l| l.starts_with('>'))
        .skip_while(|l| l.trim().is_empty())
        .collect();
    if rest.is_empty() {
        body.to_owned()
    } else {
        rest.join("\n")
    }
}

/// The message an `m.room.message` event is, with the latest bundled edit
/// applied; `None` for redacted, edit and unreadable events. Thread and
/// parent are from the event's own relations (a plain reply's thread root is
/// resolved by the caller).
pub(super) fn message(
    e: &RawEvent,
    room: &str,
    me: &str,
    names: &HashMap<String, String>,
) -> Option<IncomingMessage> {
    if e.kind != "m.room.message" || e.replaces().is_some() || e.is_redacted() {
        return None;
    }
    let created_at = Timestamp::from_millisecond(e.origin_server_ts).ok()?;
    let (text, edited_at) = match e.bundled_edit() {
        Some(edit) => (
            edit.content.get("m.new_content").and_then(text_of),
            Timestamp::from_millisecond(edit.origin_server_ts).ok(),
        ),
        None => (None, None),
    };
    let text = text.or_else(|| text_of(&e.content))?;
    let parent = e.reply_to().map(|p| external_id(room, p));
    let thread = e.thread_root().map(|t| external_id(room, t));
    let direction = if e.sender == me {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    let kind = match (direction, parent.is_some()) {
        (_, true) => MessageKind::Reply,
        (Direction::Outbound, false) => MessageKind::Post,
        (Direction::Inbound, false) => MessageKind::Comment,
    };
    let handle = e.sender.clone();
    Some(IncomingMessage {
        external_id: external_id(room, &e.event_id),
        kind,
        direction,
        thread_external_id: thread,
        parent_external_id: parent,
        author: Some(IncomingAuthor {
            platform: ChannelKind::Matrix,
            external_id: e.sender.clone(),
            display_name: names.get(&e.sender).cloned(),
            profile_url: Some(format!("https://matrix.to/#/{}", super::encode(&handle))),
            handle,
            followers: None,
            verified: false,
            email: None,
        }),
        title: None,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink: Some(permalink(room, &e.event_id)),
        engagement: Engagement::default(),
        rating: None,
    })
}

/// Applies an `m.replace` event to the message it edits: the new text and
/// when. Ignored when the editor is not the author (Matrix clients ignore
/// such edits too).
pub(super) fn apply_edit(original: &mut IncomingMessage, edit: &RawEvent) {
    let same_author = original
        .author
        .as_ref()
        .is_some_and(|a| a.external_id == edit.sender);
    let Some(text) = edit.content.get("m.new_content").and_then(text_of) else {
        return;
    };
    let Ok(at) = Timestamp::from_millisecond(edit.origin_server_ts) else {
        return;
    };
    if same_author && original.edited_at.is_none_or(|seen| seen <= at) {
        original.text = text;
        original.edited_at = Some(at);
    }
}

/// Parses a JSON answer, naming the endpoint and the position of a fault.
pub(super) fn parse<T: serde::de::DeserializeOwned>(
    what: &str,
    body: &[u8],
) -> Result<T, ChannelError> {
    serde_json::from_slice(body)
        .map_err(|e| ChannelError::Transient(format!("Matrix {what}: unreadable answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(content: Value) -> RawEvent {
        RawEvent::parse(&json!({
            "type": "m.room.message", "event_id": "$e1", "sender": "@ann:hs",
            "origin_server_ts": 1_700_000_000_000_i64, "content": content,
        }))
        .unwrap()
    }

    #[test]
    fn ids_round_trip_through_the_room() {
        let id = external_id("!room:hs.example", "$abc/def+g");
        assert_eq!(split_id(&id).unwrap(), ("!room:hs.example", "$abc/def+g"));
        assert!(split_id("$only-an-event").is_err());
        assert!(split_id("!room:hs").is_err());
    }

    #[test]
    fn replies_lose_their_quoted_fallback_and_keep_their_parent() {
        let e = event(json!({
            "msgtype": "m.text",
            "body": "> <@bob:hs> the question\n\nthe answer",
            "format": "org.matrix.custom.html",
            "formatted_body": "<mx-reply><blockquote>the question</blockquote></mx-reply>the <b>answer</b>",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}},
        }));
        let m = message(&e, "!r:hs", "@brand:hs", &HashMap::new()).unwrap();
        assert_eq!(m.text, "the answer");
        assert_eq!(m.parent_external_id.as_deref(), Some("!r:hs/$q"));
        assert_eq!(m.kind, MessageKind::Reply);
        assert_eq!(m.direction, Direction::Inbound);
        assert_eq!(strip_quote_fallback("> a\n> b\n\nc\nd"), "c\nd");
    }

    #[test]
    fn a_thread_fallback_points_at_the_root() {
        let e = event(
            json!({"msgtype": "m.text", "body": "in thread", "m.relates_to": {
            "rel_type": "m.thread", "event_id": "$root", "is_falling_back": true,
            "m.in_reply_to": {"event_id": "$latest"}}}),
        );
        let m = message(&e, "!r:hs", "@ann:hs", &HashMap::new()).unwrap();
        assert_eq!(m.thread_external_id.as_deref(), Some("!r:hs/$root"));
        assert_eq!(m.parent_external_id.as_deref(), Some("!r:hs/$root"));
        assert_eq!(m.direction, Direction::Outbound);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_sync_answers_never_panic_and_errors_name_the_endpoint(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)
        ) {
            if let Err(e) = parse::<SyncResponse>("sync", &bytes) {
                proptest::prop_assert!(e.to_string().contains("Matrix sync"), "{}", e);
            }
            let _ = parse::<MessagesResponse>("messages", &bytes);
        }

        #[test]
        fn arbitrary_events_never_panic_the_mapping(
            kind in "m\\.room\\.(message|redaction)|x",
            body in proptest::option::of(".{0,40}"),
            html in proptest::option::of("<[a-z/-]{0,12}>.{0,20}(</mx-reply>)?"),
            rel in proptest::option::of("m\\.(thread|replace)|zz"),
            target in proptest::option::of("\\$[a-zA-Z0-9/+]{0,10}"),
            falling_back in proptest::prelude::any::<bool>(),
            ts in proptest::prelude::any::<i64>(),
        ) {
            let mut content = json!({"msgtype": "m.text"});
            if let Some(body) = body { content["body"] = json!(body); }
            if let Some(html) = html {
                content["format"] = json!("org.matrix.custom.html");
                content["formatted_body"] = json!(html);
            }
            content["m.relates_to"] = json!({"rel_type": rel, "event_id": target,
                "is_falling_back": falling_back, "m.in_reply_to": {"event_id": target}});
            let raw = json!({"type": kind, "event_id": "$e", "sender": "@a:hs",
                "origin_server_ts": ts, "content": content, "unsigned": {"m.relations": {"m.replace": content}}});
            if let Some(e) = RawEvent::parse(&raw) {
                let _ = message(&e, "!r", "@b:hs", &HashMap::new());
                let _ = (e.redaction_of(), e.replaces(), e.reply_to(), e.thread_root());
            }
        }
    }

    #[test]
    fn edits_from_someone_else_are_ignored() {
        let mut m = message(
            &event(json!({"msgtype": "m.text", "body": "v1"})),
            "!r:hs",
            "@x:hs",
            &HashMap::new(),
        )
        .unwrap();
        let mut edit = event(json!({"msgtype": "m.text", "body": "* v2",
            "m.new_content": {"msgtype": "m.text", "body": "v2"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$e1"}}));
        edit.sender = "@mallory:hs".into();
        apply_edit(&mut m, &edit);
        assert_eq!(m.text, "v1");
        edit.sender = "@ann:hs".into();
        apply_edit(&mut m, &edit);
        assert_eq!(m.text, "v2");
        assert!(m.edited_at.is_some());
    }
}
