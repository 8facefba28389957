//! The Bot API's JSON as the connector reads it (private types) and its
//! mapping to Tend's [`IncomingMessage`]. Parse errors name the answer and
//! the path of the field that failed (`getUpdates: at result[3].message.date`).

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// Every answer: `{"ok":true,"result":…}` or
/// `{"ok":false,"error_code":…,"description":…,"parameters":{…}}`.
#[derive(Debug, Deserialize)]
pub(super) struct Envelope {
    pub ok: bool,
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    pub error_code: Option<i64>,
    pub description: Option<String>,
    pub parameters: Option<Parameters>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Parameters {
    /// Seconds to wait after a 429 (flood control).
    pub retry_after: Option<f64>,
    /// The supergroup a group became.
    pub migrate_to_chat_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Update {
    pub message: Option<Message>,
    pub edited_message: Option<Message>,
    pub channel_post: Option<Message>,
    pub edited_channel_post: Option<Message>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Message {
    pub message_id: i64,
    pub from: Option<User>,
    pub sender_chat: Option<Chat>,
    pub chat: Chat,
    pub date: i64,
    pub edit_date: Option<i64>,
    pub message_thread_id: Option<i64>,
    #[serde(default)]
    pub is_topic_message: bool,
    pub reply_to_message: Option<Box<Message>>,
    pub text: Option<String>,
    pub caption: Option<String>,
    #[serde(default)]
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub caption_entities: Vec<Entity>,
    pub photo: Option<serde_json::Value>,
    pub video: Option<serde_json::Value>,
    pub document: Option<serde_json::Value>,
    pub sticker: Option<serde_json::Value>,
    pub voice: Option<serde_json::Value>,
    pub audio: Option<serde_json::Value>,
    pub animation: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct User {
    pub id: i64,
    #[serde(default)]
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Entity {
    #[serde(rename = "type")]
    pub kind: String,
    pub offset: i64,
    pub length: i64,
    pub user: Option<User>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Telegram {what}: at {path}: {}", e.inner())
    })
}

/// A value of an answer's `result`, read as `T`.
pub(super) fn result<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| format!("Telegram {what}: at result.{}: {}", e.path(), e.inner()))
}

/// One update of a `getUpdates` answer: its id, and the update if it could
/// be read (one unreadable update must not hide the others, nor stop the
/// cursor).
pub(super) struct Entry {
    pub update_id: i64,
    pub parsed: Result<Update, String>,
}

/// `getUpdates`' `result`, update by update. Fails only when it is not a
/// list or an update has no numeric `update_id`.
pub(super) fn updates(value: serde_json::Value) -> Result<Vec<Entry>, String> {
    let serde_json::Value::Array(raw) = value else {
        return Err("Telegram getUpdates: at result: not a list".into());
    };
    raw.into_iter()
        .enumerate()
        .map(|(i, value)| {
            let Some(update_id) = value.get("update_id").and_then(serde_json::Value::as_i64) else {
                return Err(format!(
                    "Telegram getUpdates: at result[{i}].update_id: missing or not a number"
                ));
            };
            let parsed = serde_path_to_error::deserialize(value).map_err(|e| {
                format!(
                    "Telegram getUpdates: at result[{i}].{}: {}",
                    e.path(),
                    e.inner()
                )
            });
            Ok(Entry { update_id, parsed })
        })
        .collect()
}

/// The external id of message `message_id` in chat `chat_id`: message ids
/// are only unique within a chat.
pub(super) fn external_id(chat_id: i64, message_id: i64) -> String {
    format!("{chat_id}/{message_id}")
}

/// The chat and message of an external id made by [`external_id`].
pub(super) fn split_id(what: &str, id: &str) -> Result<(i64, i64), String> {
    id.split_once('/')
        .and_then(|(chat, message)| Some((chat.parse().ok()?, message.parse().ok()?)))
        .filter(|(_, message): &(i64, i64)| *message > 0)
        .ok_or_else(|| {
            format!(
                "Telegram {what}: {:?} is not a chat/message id",
                id.chars().take(80).collect::<String>()
            )
        })
}

/// What kind of update a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    Message,
    Edited,
    ChannelPost,
}

/// The message of an update and how it came, if it carries one.
pub(super) fn message_of(update: &Update) -> Option<(&Message, Via)> {
    update
        .message
        .as_ref()
        .map(|m| (m, Via::Message))
        .or_else(|| update.edited_message.as_ref().map(|m| (m, Via::Edited)))
        .or_else(|| {
            update
                .channel_post
                .as_ref()
                .or(update.edited_channel_post.as_ref())
                .map(|m| (m, Via::ChannelPost))
        })
}

/// The bot, as `getMe` names it.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Me {
    pub id: i64,
    pub username: Option<String>,
}

/// A message as Tend's message; `None` for service messages (a member
/// joined, a topic was created), which carry nothing to answer.
pub(super) fn message(m: &Message, via: Via, me: &Me) -> Result<Option<IncomingMessage>, String> {
    let what = format!("message {}", external_id(m.chat.id, m.message_id));
    if m.message_id <= 0 {
        return Err(format!("Telegram {what}: message_id must be positive"));
    }
    let created_at = Timestamp::from_second(m.date)
        .map_err(|e| format!("Telegram {what}: date {}: {e}", m.date))?;
    let edited_at = match m.edit_date {
        Some(t) => Some(
            Timestamp::from_second(t)
                .map_err(|e| format!("Telegram {what}: edit_date {t}: {e}"))?,
        ),
        None => None,
    };
    let Some(text) = text_of(m) else {
        return Ok(None);
    };
    let ours = m.from.as_ref().is_some_and(|u| u.id == me.id);
    let in_topic = m.is_topic_message && m.message_thread_id.is_some();
    let thread = m
        .message_thread_id
        .filter(|_| in_topic)
        .map(|t| external_id(m.chat.id, t));
    let parent = m
        .reply_to_message
        .as_ref()
        .map(|r| external_id(m.chat.id, r.message_id));
    let kind = if via == Via::ChannelPost || ours {
        MessageKind::Post
    } else if m.chat.kind == "private" {
        MessageKind::DirectMessage
    } else if mentions(m, me) {
        MessageKind::Mention
    } else if parent.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Comment
    };
    // A channel's posts are written by its admins: the brand's own channel.
    let direction = if via == Via::ChannelPost || ours {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: external_id(m.chat.id, m.message_id),
        kind,
        direction,
        thread_external_id: thread,
        parent_external_id: parent,
        author: author(m),
        title: None,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink: permalink(&m.chat, m.message_id),
        engagement: Engagement::default(),
    }))
}

/// The text, the caption, or what was sent when there is neither.
fn text_of(m: &Message) -> Option<String> {
    if let Some(text) = m.text.as_ref().or(m.caption.as_ref()) {
        return Some(text.clone());
    }
    let media = [
        (&m.photo, "[photo]"),
        (&m.video, "[video]"),
        (&m.animation, "[animation]"),
        (&m.document, "[document]"),
        (&m.sticker, "[sticker]"),
        (&m.voice, "[voice message]"),
        (&m.audio, "[audio]"),
    ];
    media
        .iter()
        .find(|(field, _)| field.is_some())
        .map(|(_, label)| (*label).to_string())
}

/// Whether the message names the bot: an `@username` mention or a
/// `text_mention` of its id.
fn mentions(m: &Message, me: &Me) -> bool {
    let text = m.text.as_deref().or(m.caption.as_deref()).unwrap_or("");
    let entities = if m.text.is_some() {
        &m.entities
    } else {
        &m.caption_entities
    };
    entities.iter().any(|e| match e.kind.as_str() {
        "text_mention" => e.user.as_ref().is_some_and(|u| u.id == me.id),
        "mention" => me.username.as_deref().is_some_and(|name| {
            utf16_slice(text, e.offset, e.length)
                .is_some_and(|word| word.trim_start_matches('@').eq_ignore_ascii_case(name))
        }),
        _ => false,
    })
}

/// The part of `text` at `offset`/`length` counted in UTF-16 code units, as
/// Telegram counts entities.
fn utf16_slice(text: &str, offset: i64, length: i64) -> Option<String> {
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(length).ok()?;
    let units: Vec<u16> = text.encode_utf16().collect();
    let end = start.checked_add(len)?;
    let slice = units.get(start..end)?;
    String::from_utf16(slice).ok()
}

/// The author as Telegram shows them: the `@username` handle where there is
/// one (else the numeric id), and the first and last name.
fn author(m: &Message) -> Option<IncomingAuthor> {
    if let Some(user) = &m.from
        && m.sender_chat.is_none()
    {
        let name = [Some(user.first_name.as_str()), user.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return Some(IncomingAuthor {
            platform: ChannelKind::Telegram,
            external_id: user.id.to_string(),
            handle: user.username.clone().unwrap_or_else(|| user.id.to_string()),
            display_name: Some(name).filter(|n| !n.is_empty()),
            profile_url: user.username.as_ref().map(|u| format!("https://t.me/{u}")),
            followers: None,
            verified: false,
            email: None,
        });
    }
    // Sent on behalf of a chat (a channel's post, an anonymous admin).
    let chat = m.sender_chat.as_ref().unwrap_or(&m.chat);
    let name = chat
        .title
        .clone()
        .or_else(|| chat.first_name.clone())
        .filter(|n| !n.trim().is_empty());
    Some(IncomingAuthor {
        platform: ChannelKind::Telegram,
        external_id: chat.id.to_string(),
        handle: chat.username.clone().unwrap_or_else(|| chat.id.to_string()),
        display_name: name,
        profile_url: chat.username.as_ref().map(|u| format!("https://t.me/{u}")),
        followers: None,
        verified: false,
        email: None,
    })
}

/// `t.me` links exist for public chats (by username) and for supergroups
/// and channels (`t.me/c/<id without -100>/<message>`); not for private chats.
fn permalink(chat: &Chat, message_id: i64) -> Option<String> {
    if chat.kind == "private" {
        return None;
    }
    if let Some(username) = &chat.username
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Some(format!("https://t.me/{username}/{message_id}"));
    }
    let id = chat.id.to_string();
    id.strip_prefix("-100")
        .map(|internal| format!("https://t.me/c/{internal}/{message_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn entity_offsets_count_utf16_units() {
        assert_eq!(utf16_slice("😀 @bot hi", 3, 4).as_deref(), Some("@bot"));
        assert_eq!(utf16_slice("short", 3, 40), None);
        assert_eq!(utf16_slice("short", -1, 2), None);
    }

    fn sample() -> serde_json::Value {
        serde_json::from_str(
            r#"{"update_id": 9, "message": {"message_id": 5, "date": 1700000000, "text": "hi",
                "from": {"id": 1, "is_bot": false, "first_name": "Ada"},
                "chat": {"id": 1, "type": "private", "first_name": "Ada"}}}"#,
        )
        .unwrap()
    }

    const FIELDS: &[&str] = &[
        "message_id",
        "date",
        "text",
        "from",
        "chat",
        "edit_date",
        "entities",
    ];

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = parse::<Envelope>("getUpdates", &body) {
                proptest::prop_assert!(e.starts_with("Telegram getUpdates: at "), "{}", e);
            }
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(
            field in 0..FIELDS.len(),
            value in proptest::prop_oneof![
                proptest::prelude::any::<i64>().prop_map(serde_json::Value::from),
                ".{0,10}".prop_map(serde_json::Value::from),
                proptest::strategy::Just(serde_json::Value::Null),
                proptest::strategy::Just(serde_json::json!([1, {"a": 2}])),
            ],
        ) {
            let mut v = sample();
            v["message"][FIELDS[field]] = value;
            let entries = updates(serde_json::Value::Array(vec![v])).unwrap();
            let me = Me { id: 2, username: Some("bot".into()) };
            match &entries[0].parsed {
                Err(e) => proptest::prop_assert!(e.contains("result[0].message") && e.contains(FIELDS[field]), "{}", e),
                Ok(update) => {
                    if let Some((m, via)) = message_of(update)
                        && let Err(e) = message(m, via, &me)
                    {
                        proptest::prop_assert!(e.starts_with("Telegram message"), "{}", e);
                    }
                }
            }
        }
    }

    #[test]
    fn ids_round_trip_and_bad_ones_are_named() {
        assert_eq!(split_id("x", &external_id(-100_123, 7)), Ok((-100_123, 7)));
        for bad in ["", "1", "a/b", "1/0", "1/-3", "1/2/3"] {
            assert!(split_id("reply target", bad).is_err(), "{bad}");
        }
    }
}
