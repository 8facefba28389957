//! Discord's JSON as the connector reads it (private types) and its mapping
//! to Tend's [`IncomingMessage`]. Parse errors name the answer and the path
//! of the field that failed (`messages: at [3].timestamp: …`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Message {
    pub id: String,
    pub channel_id: String,
    pub guild_id: Option<String>,
    pub author: Option<User>,
    pub member: Option<Member>,
    pub content: Option<String>,
    pub timestamp: Option<String>,
    pub edited_timestamp: Option<String>,
    #[serde(default)]
    pub mentions: Vec<Mentioned>,
    #[serde(rename = "type", default)]
    pub kind: i64,
    pub message_reference: Option<Reference>,
    #[serde(default)]
    pub attachments: Vec<serde_json::Value>,
    pub nonce: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct User {
    pub id: String,
    #[serde(default)]
    pub username: String,
    pub global_name: Option<String>,
    pub discriminator: Option<String>,
    #[serde(default)]
    pub bot: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Member {
    pub nick: Option<String>,
}

/// A user named in a message, with their membership where the payload has it.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Mentioned {
    pub id: String,
    #[serde(default)]
    pub username: String,
    pub global_name: Option<String>,
    pub member: Option<Member>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Reference {
    pub message_id: Option<String>,
    pub channel_id: Option<String>,
}

/// A channel of the guild (`GET /guilds/{id}/channels`), or a thread.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Channel {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: i64,
    pub parent_id: Option<String>,
}

/// `GET /guilds/{id}/threads/active`.
#[derive(Debug, Deserialize)]
pub(super) struct ActiveThreads {
    #[serde(default)]
    pub threads: Vec<Channel>,
}

/// `GET /gateway/bot`.
#[derive(Debug, Deserialize)]
pub(super) struct GatewayBot {
    pub url: String,
}

/// A deletion: `MESSAGE_DELETE`.
#[derive(Debug, Deserialize)]
pub(super) struct Deleted {
    pub id: String,
    pub channel_id: String,
    pub guild_id: Option<String>,
}

/// Channel types Tend reads: text, announcement, and the three thread kinds.
pub(super) const TEXT: i64 = 0;
pub(super) const ANNOUNCEMENT: i64 = 5;
pub(super) const THREADS: [i64; 3] = [10, 11, 12];
/// Message types with something a member wrote: default and reply.
const READ_TYPES: [i64; 2] = [0, 19];

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Discord {what}: at {path}: {}", e.inner())
    })
}

/// A JSON value read as `T`; an error names `what` and the path.
pub(super) fn from_value<T: DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| format!("Discord {what}: at {}: {}", e.path(), e.inner()))
}

/// A list of messages, element by element (one unreadable message must not
/// hide the others); fails only when it is not a list.
pub(super) fn messages(body: &str) -> Result<Vec<Result<Message, String>>, String> {
    let raw: Vec<serde_json::Value> = parse("messages", body)?;
    Ok(raw
        .into_iter()
        .enumerate()
        .map(|(i, v)| from_value(&format!("messages [{i}]"), v))
        .collect())
}

/// Checks a snowflake before it goes into a path or a query.
pub(super) fn check_snowflake(what: &str, id: &str) -> Result<u64, String> {
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0 && id.len() <= 20 && !id.starts_with('0'))
        .ok_or_else(|| {
            format!(
                "Discord {what}: {:?} is not a snowflake id",
                id.chars().take(40).collect::<String>()
            )
        })
}

/// The external id of message `id` in `channel` (the API needs both).
pub(super) fn external_id(channel: &str, id: &str) -> String {
    format!("{channel}/{id}")
}

/// The channel and message of an external id made by [`external_id`].
pub(super) fn split_id(what: &str, id: &str) -> Result<(u64, u64), String> {
    let (channel, message) = id
        .split_once('/')
        .ok_or_else(|| format!("Discord {what}: {id:?} is not channel/message"))?;
    Ok((
        check_snowflake(what, channel)?,
        check_snowflake(what, message)?,
    ))
}

/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The smallest snowflake of moment `at` (for `after=` at a horizon).
pub(super) fn snowflake_at(at: jiff::Timestamp) -> u64 {
    let ms = (at.as_millisecond() - DISCORD_EPOCH_MS).max(0);
    u64::try_from(ms).unwrap_or(0) << 22
}

/// Where a message was read, which the message itself does not always say.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context<'a> {
    /// The bot's user id.
    pub me: &'a str,
    /// The guild (for links).
    pub guild_id: &'a str,
    /// The thread's parent channel, when the message is in a thread.
    pub thread_parent: Option<&'a str>,
    /// A direct message to the bot.
    pub direct: bool,
}

/// A message as Tend's message; `None` for system messages (joins, pins,
/// thread starters) and updates without content.
pub(super) fn message(m: &Message, cx: Context<'_>) -> Result<Option<IncomingMessage>, String> {
    let what = format!("message {}", external_id(&m.channel_id, &m.id));
    check_snowflake(&what, &m.id)?;
    check_snowflake(&what, &m.channel_id)?;
    if !READ_TYPES.contains(&m.kind) {
        return Ok(None);
    }
    let (Some(content), Some(author), Some(timestamp)) = (&m.content, &m.author, &m.timestamp)
    else {
        return Ok(None);
    };
    let created_at = time(&what, "timestamp", timestamp)?;
    let edited_at = match &m.edited_timestamp {
        Some(t) => Some(time(&what, "edited_timestamp", t)?),
        None => None,
    };
    let text = render_mentions(content, &m.mentions);
    let text = if text.trim().is_empty() && !m.attachments.is_empty() {
        "[attachment]".to_string()
    } else {
        text
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let parent = m
        .message_reference
        .as_ref()
        .filter(|_| m.kind == 19)
        .and_then(|r| {
            let id = r.message_id.as_deref()?;
            check_snowflake(&what, id).ok()?;
            let channel = r.channel_id.as_deref().unwrap_or(&m.channel_id);
            check_snowflake(&what, channel).ok()?;
            Some(external_id(channel, id))
        });
    // A thread started from a message has that message's id: its root.
    let thread = cx
        .thread_parent
        .map(|parent| external_id(parent, &m.channel_id));
    let ours = author.id == cx.me;
    let kind = if cx.direct {
        MessageKind::DirectMessage
    } else if ours {
        if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::Post
        }
    } else if m.mentions.iter().any(|u| u.id == cx.me) {
        MessageKind::Mention
    } else if parent.is_some() || thread.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Comment
    };
    let guild = if cx.direct { "@me" } else { cx.guild_id };
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: external_id(&m.channel_id, &m.id),
        kind,
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: thread,
        parent_external_id: parent,
        author: Some(self::author(author, m.member.as_ref())),
        title: None,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink: Some(format!(
            "https://discord.com/channels/{guild}/{}/{}",
            m.channel_id, m.id
        )),
        engagement: Engagement::default(),
    }))
}

fn time(what: &str, field: &str, value: &str) -> Result<jiff::Timestamp, String> {
    value.parse().map_err(|e| {
        format!(
            "Discord {what}: {field} {:?}: {e}",
            value.chars().take(40).collect::<String>()
        )
    })
}

/// The author as Discord shows them: the username as the handle (with its
/// old `#discriminator` where it still has one), the server nickname or
/// global display name as the name.
fn author(user: &User, member: Option<&Member>) -> IncomingAuthor {
    let handle = match user.discriminator.as_deref() {
        Some(d) if d != "0" && !d.is_empty() => format!("{}#{d}", user.username),
        _ => user.username.clone(),
    };
    let display = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .filter(|n| !n.trim().is_empty());
    IncomingAuthor {
        platform: ChannelKind::Discord,
        external_id: user.id.clone(),
        handle: if handle.is_empty() {
            user.id.clone()
        } else {
            handle
        },
        display_name: display,
        profile_url: None,
        followers: None,
        verified: user.bot,
        email: None,
    }
}

/// `<@id>` and `<@!id>` as `@name`, the name as the server shows it (the
/// nickname, else the display name, else the username) from the payload's
/// `mentions`; an id not in the list stays as it was.
pub(super) fn render_mentions(content: &str, mentioned: &[Mentioned]) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let after_bang = after.strip_prefix('!').unwrap_or(after);
        let Some(end) = after_bang.find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let id = &after_bang[..end];
        let consumed = rest.len() - after_bang.len() + end + 1;
        match mentioned.iter().find(|u| u.id == id) {
            Some(u) => {
                let name = u
                    .member
                    .as_ref()
                    .and_then(|m| m.nick.clone())
                    .or_else(|| u.global_name.clone())
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| u.username.clone());
                out.push('@');
                out.push_str(&name);
            }
            None => out.push_str(&rest[start..consumed]),
        }
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn user(id: &str, username: &str, global: Option<&str>, nick: Option<&str>) -> Mentioned {
        Mentioned {
            id: id.into(),
            username: username.into(),
            global_name: global.map(Into::into),
            member: Some(Member {
                nick: nick.map(Into::into),
            }),
        }
    }

    #[test]
    fn mentions_render_as_the_server_shows_them() {
        let list = [
            user("1", "ada", Some("Ada L"), Some("Countess")),
            user("2", "bob", Some("Bob"), None),
            user("3", "cy", None, None),
        ];
        assert_eq!(
            render_mentions("<@1> and <@!2>, <@3>; <@4> <#5> <@&6> <@", &list),
            "@Countess and @Bob, @cy; <@4> <#5> <@&6> <@"
        );
        assert_eq!(render_mentions("é<@2>é", &list), "é@Bobé");
    }

    const FIELDS: &[&str] = &[
        "id",
        "channel_id",
        "content",
        "timestamp",
        "edited_timestamp",
        "author",
        "mentions",
        "type",
        "message_reference",
    ];

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = messages(&body) {
                proptest::prop_assert!(e.starts_with("Discord messages: at "), "{}", e);
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
            let mut v = serde_json::json!({"id": "11", "channel_id": "5", "content": "hi <@7>",
                "timestamp": "2026-02-27T23:56:48.287000+00:00", "type": 0,
                "author": {"id": "7", "username": "ada"}, "mentions": [{"id": "7", "username": "ada"}]});
            v[FIELDS[field]] = value;
            let list = messages(&serde_json::Value::Array(vec![v]).to_string()).unwrap();
            let cx = Context { me: "9", guild_id: "1", thread_parent: None, direct: false };
            match &list[0] {
                Err(e) => proptest::prop_assert!(e.contains("messages [0]") && e.contains(FIELDS[field]), "{}", e),
                Ok(m) => {
                    if let Err(e) = message(m, cx) {
                        proptest::prop_assert!(e.starts_with("Discord message"), "{}", e);
                    }
                }
            }
        }
    }

    #[test]
    fn snowflakes_and_ids_are_checked() {
        assert!(check_snowflake("x", "900000000000000018").is_ok());
        for bad in ["", "0", "01", "-1", "1/2", "99999999999999999999999"] {
            assert!(check_snowflake("x", bad).is_err(), "{bad}");
        }
        assert_eq!(split_id("x", "5/7"), Ok((5, 7)));
        assert!(split_id("x", "5").is_err());
        let at: jiff::Timestamp = "2026-02-27T23:56:48.287Z".parse().unwrap();
        let flake = snowflake_at(at);
        assert_eq!((flake >> 22) as i64 + DISCORD_EPOCH_MS, at.as_millisecond());
    }
}
