//! X API v2 JSON as the connector reads it (private types) and its mapping
//! to Tend's [`IncomingMessage`]. Parse errors name the answer and the path
//! of the field that failed (`X mentions: at data[3].created_at: …`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// A list answer: `data`, `includes.users` and `meta`.
#[derive(Debug, Deserialize)]
pub(super) struct List<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub includes: Option<Includes>,
    #[serde(default)]
    pub meta: Option<Meta>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Includes {
    #[serde(default)]
    pub users: Vec<User>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Meta {
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Tweet {
    pub id: String,
    pub text: String,
    pub author_id: Option<String>,
    pub created_at: Option<String>,
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub referenced_tweets: Vec<Reference>,
    #[serde(default)]
    pub edit_history_tweet_ids: Vec<String>,
    pub lang: Option<String>,
    pub public_metrics: Option<Metrics>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Metrics {
    pub retweet_count: Option<i64>,
    pub reply_count: Option<i64>,
    pub like_count: Option<i64>,
    pub quote_count: Option<i64>,
    pub impression_count: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct User {
    pub id: String,
    pub username: String,
    pub name: Option<String>,
    #[serde(default)]
    pub verified: Option<bool>,
    pub public_metrics: Option<UserMetrics>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct UserMetrics {
    pub followers_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DmEvent {
    pub id: String,
    pub event_type: String,
    pub text: Option<String>,
    pub sender_id: Option<String>,
    pub dm_conversation_id: Option<String>,
    pub created_at: Option<String>,
}

/// `{"data": {...}}` of a single object.
#[derive(Debug, Deserialize)]
pub(super) struct One<T> {
    pub data: T,
}

/// `POST /2/tweets`'s `data`.
#[derive(Debug, Deserialize)]
pub(super) struct Created {
    pub id: String,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("X {what}: at {path}: {}", e.inner())
    })
}

/// Checks an id (decimal digits, as X's are) before it goes into a path.
pub(super) fn check_id(what: &str, id: &str) -> Result<(), String> {
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("X {what}: not an id: {:?}", short(id)))
    }
}

/// Whether id `a` comes after id `b` (X ids are snowflakes: decimal numbers
/// that grow with time).
pub(super) fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

fn short(text: &str) -> String {
    text.chars().take(80).collect()
}

fn timestamp(what: &str, value: Option<&str>) -> Result<jiff::Timestamp, String> {
    let value = value.ok_or_else(|| format!("X {what}: no created_at"))?;
    value
        .parse()
        .map_err(|e| format!("X {what}: created_at {:?}: {e}", short(value)))
}

/// The authors of an answer by id.
pub(super) fn users(includes: Option<&Includes>) -> HashMap<&str, &User> {
    includes
        .map(|i| i.users.iter().map(|u| (u.id.as_str(), u)).collect())
        .unwrap_or_default()
}

/// X's text with its HTML entities decoded (v2 sends `&amp;`, `&lt;`, `&gt;`).
pub(super) fn decoded(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A tweet as a message. Its external id is the *first* version's
/// (`edit_history_tweet_ids[0]`): an edit is a new tweet id on X, and comes
/// in as the same message with `edited_at`.
pub(super) fn message(
    tweet: &Tweet,
    users: &HashMap<&str, &User>,
    brand_id: &str,
) -> Result<IncomingMessage, String> {
    let what = format!("tweet {}", short(&tweet.id));
    check_id(&what, &tweet.id)?;
    let original = match tweet.edit_history_tweet_ids.first() {
        Some(first) => {
            check_id(&what, first)?;
            first.clone()
        }
        None => tweet.id.clone(),
    };
    let created_at = timestamp(&what, tweet.created_at.as_deref())?;
    let parent = tweet
        .referenced_tweets
        .iter()
        .find(|r| r.kind == "replied_to")
        .map(|r| r.id.clone());
    if let Some(p) = &parent {
        check_id(&what, p)?;
    }
    let root = tweet.conversation_id.clone().filter(|c| *c != original);
    if let Some(r) = &root {
        check_id(&what, r)?;
    }
    let author = match &tweet.author_id {
        Some(id) => Some(author(id, users.get(id.as_str()).copied())?),
        None => None,
    };
    let ours = tweet.author_id.as_deref() == Some(brand_id);
    let kind = if ours {
        MessageKind::Post
    } else if parent.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Mention
    };
    let m = tweet.public_metrics.as_ref();
    let count = |f: fn(&Metrics) -> Option<i64>| m.and_then(f).unwrap_or(0).max(0);
    let username = author.as_ref().map(|a| a.handle.clone());
    Ok(IncomingMessage {
        rating: None,
        external_id: original.clone(),
        kind,
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: root,
        parent_external_id: parent,
        author,
        title: None,
        text: decoded(&tweet.text),
        lang: tweet.lang.as_deref().and_then(iso_639_1),
        created_at,
        edited_at: (tweet.id != original).then_some(created_at),
        permalink: Some(match username {
            Some(u) => format!("https://x.com/{u}/status/{}", tweet.id),
            None => format!("https://x.com/i/web/status/{}", tweet.id),
        }),
        engagement: Engagement {
            likes: count(|m| m.like_count),
            shares: count(|m| m.retweet_count) + count(|m| m.quote_count),
            replies: count(|m| m.reply_count),
            views: count(|m| m.impression_count),
        },
    })
}

/// A direct message event as a message (only `MessageCreate` events are).
pub(super) fn dm(
    event: &DmEvent,
    users: &HashMap<&str, &User>,
    brand_id: &str,
) -> Result<Option<IncomingMessage>, String> {
    let what = format!("dm event {}", short(&event.id));
    check_id(&what, &event.id)?;
    if event.event_type != "MessageCreate" {
        return Ok(None);
    }
    let sender = event
        .sender_id
        .as_deref()
        .ok_or_else(|| format!("X {what}: no sender_id"))?;
    let ours = sender == brand_id;
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: format!("dm:{}", event.id),
        kind: MessageKind::DirectMessage,
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: event
            .dm_conversation_id
            .as_ref()
            .map(|c| format!("dmc:{c}")),
        parent_external_id: None,
        author: Some(author(sender, users.get(sender).copied())?),
        title: None,
        text: decoded(event.text.as_deref().unwrap_or_default()),
        lang: None,
        created_at: timestamp(&what, event.created_at.as_deref())?,
        edited_at: None,
        permalink: None,
        engagement: Engagement::default(),
    }))
}

fn author(id: &str, user: Option<&User>) -> Result<IncomingAuthor, String> {
    check_id("author", id)?;
    let handle = user
        .map(|u| u.username.trim().trim_start_matches('@').to_string())
        .filter(|u| !u.is_empty() && !u.contains(char::is_whitespace));
    Ok(IncomingAuthor {
        platform: ChannelKind::X,
        external_id: id.to_string(),
        profile_url: handle.as_ref().map(|h| format!("https://x.com/{h}")),
        // Without the expansion X names no handle: the id stands in.
        handle: handle.unwrap_or_else(|| id.to_string()),
        display_name: user
            .and_then(|u| u.name.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        followers: user
            .and_then(|u| u.public_metrics.as_ref())
            .and_then(|m| m.followers_count)
            .map(|n| n.max(0)),
        verified: user.and_then(|u| u.verified).unwrap_or(false),
        email: None,
    })
}

/// `en`, `en-GB` → `en`; X's `und`, `qme` and the like → none.
fn iso_639_1(lang: &str) -> Option<String> {
    let code = lang.split(['-', '_']).next()?.to_ascii_lowercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(code)
}

/// A tweet's text as compared with what was sent: leading `@mentions` (X
/// adds the replied-to handles) dropped, links as one placeholder (X wraps
/// them in t.co), entities decoded, whitespace collapsed.
pub(super) fn loose(text: &str) -> String {
    let text = decoded(text);
    let mut words = text.split_whitespace().peekable();
    while words.peek().is_some_and(|w| w.starts_with('@')) {
        words.next();
    }
    words
        .map(|w| {
            if w.starts_with("http://") || w.starts_with("https://") {
                "<link>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Maps any bytes as a mentions answer, a DM answer and a tweet, for the
/// fuzzer: never a panic.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(list) = parse::<List<Tweet>>("mentions", text) {
        let users = users(list.includes.as_ref());
        for t in &list.data {
            let _ = message(t, &users, "1");
        }
    }
    if let Ok(list) = parse::<List<DmEvent>>("dm events", text) {
        let users = users(list.includes.as_ref());
        for e in &list.data {
            let _ = dm(e, &users, "1");
        }
    }
    let _ = parse::<One<Created>>("tweet", text);
    let _ = loose(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({
            "data": [{
                "id": "1578516295611748400",
                "text": "@brand is the app down? &amp; why",
                "author_id": "2244994945",
                "created_at": "2022-10-07T22:40:00.000Z",
                "conversation_id": "1578516295611748300",
                "edit_history_tweet_ids": ["1578516295611748353", "1578516295611748400"],
                "referenced_tweets": [{"type": "replied_to", "id": "1578516295611748300"}],
                "lang": "en",
                "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 0}
            }],
            "includes": {"users": [{"id": "2244994945", "name": "Twitter Dev", "username": "TwitterDev", "verified": true}]},
            "meta": {"newest_id": "1578516295611748400", "result_count": 1}
        })
    }

    #[test]
    fn a_mention_maps_with_its_thread_author_and_edit() {
        let list: List<Tweet> = parse("mentions", &sample().to_string()).unwrap();
        let users = users(list.includes.as_ref());
        let m = message(&list.data[0], &users, "1").unwrap();
        assert_eq!(m.external_id, "1578516295611748353");
        assert!(m.edited_at.is_some());
        assert_eq!(m.kind, MessageKind::Reply);
        assert_eq!(m.thread_external_id.as_deref(), Some("1578516295611748300"));
        assert_eq!(m.text, "@brand is the app down? & why");
        let a = m.author.unwrap();
        assert_eq!(
            (a.handle.as_str(), a.external_id.as_str()),
            ("TwitterDev", "2244994945")
        );
        assert_eq!(a.display_name.as_deref(), Some("Twitter Dev"));
        assert_eq!(m.engagement.likes, 3);
    }

    #[test]
    fn texts_compare_without_reply_handles_and_t_co_links() {
        assert_eq!(
            loose("@alice @bob Thanks &amp; see https://t.co/abc"),
            loose("Thanks & see https://example.com/a")
        );
        assert_ne!(loose("Thanks (1)"), loose("Thanks (2)"));
    }

    #[test]
    fn a_broken_field_is_named_by_its_path() {
        let mut v = sample();
        v["data"][0]["text"] = json!(7);
        let err = parse::<List<Tweet>>("mentions", &v.to_string()).unwrap_err();
        assert!(err.contains("data[0].text"), "{err}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            fuzz(&bytes);
        }

        #[test]
        fn arbitrary_text_errors_name_the_answer(body in ".{0,200}") {
            if let Err(e) = parse::<List<Tweet>>("mentions", &body) {
                prop_assert!(e.starts_with("X mentions"), "{}", e);
            }
        }

        #[test]
        fn a_field_of_any_value_is_read_or_named(
            field in 0..6usize,
            value in prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(|n| json!(n)),
                ".{0,20}".prop_map(Value::String),
                Just(json!([])),
            ],
        ) {
            let key = ["id", "text", "author_id", "created_at", "conversation_id", "edit_history_tweet_ids"][field];
            let mut v = sample();
            v["data"][0][key] = value;
            match parse::<List<Tweet>>("mentions", &v.to_string()) {
                Err(e) => prop_assert!(e.contains(key) || e.contains("data[0]"), "{}", e),
                Ok(list) => {
                    let users = users(list.includes.as_ref());
                    if let Err(e) = message(&list.data[0], &users, "1") {
                        prop_assert!(e.starts_with("X "), "{}", e);
                    }
                }
            }
        }
    }
}
