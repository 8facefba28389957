//! Reddit's JSON as the connector reads it (private types) and its mapping to
//! Tend's [`IncomingMessage`]. Parse errors name the answer and the path of
//! the field that failed (`Reddit listing: at data.children[3].data.created_utc: …`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// A listing (`/r/{sub}/comments`, `/message/inbox`, `/user/{name}/comments`).
#[derive(Debug, Deserialize)]
pub(super) struct Listing {
    pub data: ListingData,
}

#[derive(Debug, Deserialize)]
pub(super) struct ListingData {
    pub after: Option<String>,
    #[serde(default)]
    pub children: Vec<Child>,
}

/// One element of a listing: its kind (`t1` comment, `t3` submission, `t4`
/// message) and its data, kept raw so one unreadable thing does not hide the
/// others.
#[derive(Debug, Deserialize)]
pub(super) struct Child {
    pub kind: String,
    pub data: serde_json::Value,
}

/// The fields of a comment, submission or message the connector reads.
#[derive(Debug, Deserialize)]
pub(super) struct Thing {
    pub name: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub selftext: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub link_id: Option<String>,
    #[serde(default)]
    pub first_message_name: Option<String>,
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    #[serde(rename = "type", default)]
    pub inbox_type: Option<String>,
    pub created_utc: f64,
    #[serde(default)]
    pub edited: Edited,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub num_comments: Option<f64>,
    #[serde(default)]
    pub removed_by_category: Option<String>,
}

/// `edited`: `false`, or when (float epoch seconds).
#[derive(Debug, Default, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum Edited {
    #[default]
    Never,
    At(f64),
    Flag(bool),
}

impl Edited {
    /// Whole seconds of the last edit; 0 = never edited.
    pub fn secs(self) -> i64 {
        match self {
            Edited::At(t) if t.is_finite() && t > 0.0 && t < 1e11 => t as i64,
            _ => 0,
        }
    }
}

/// `GET /api/v1/me`.
#[derive(Debug, Deserialize)]
pub(super) struct Me {
    pub name: String,
}

/// The answer of a write (`POST /api/comment`, `/api/submit` with
/// `api_type=json`).
#[derive(Debug, Deserialize)]
pub(super) struct WriteAnswer {
    pub json: WriteJson,
}

#[derive(Debug, Deserialize)]
pub(super) struct WriteJson {
    #[serde(default)]
    pub errors: Vec<Vec<serde_json::Value>>,
    #[serde(default)]
    pub data: Option<WriteData>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WriteData {
    #[serde(default)]
    pub things: Vec<Child>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Reddit {what}: at {path}: {}", e.inner())
    })
}

/// A listing's things in the order Reddit gave them (newest first), each
/// parsed or with the reason it could not be.
pub(super) fn things(what: &str, listing: Listing) -> Vec<Result<(String, Thing), String>> {
    listing
        .data
        .children
        .into_iter()
        .enumerate()
        .map(|(i, child)| {
            let thing: Thing = serde_path_to_error::deserialize(child.data).map_err(|e| {
                format!(
                    "Reddit {what}: at data.children[{i}].data.{}: {}",
                    e.path(),
                    e.inner()
                )
            })?;
            check_fullname(&format!("{what} [{i}]"), &thing.name)?;
            Ok((child.kind, thing))
        })
        .collect()
}

/// Checks a fullname (`t1_abc123`) before it goes into a query or a form.
pub(super) fn check_fullname(what: &str, name: &str) -> Result<(), String> {
    let ok = name.len() <= 24
        && name.split_once('_').is_some_and(|(prefix, id)| {
            matches!(prefix, "t1" | "t2" | "t3" | "t4" | "t5" | "t6")
                && !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Reddit {what}: not a fullname: {:?}",
            name.chars().take(40).collect::<String>()
        ))
    }
}

/// The base-36 number of a fullname, for ordering (`t1_k3yrfii`).
pub(super) fn number(name: &str) -> Option<u64> {
    let (_, id) = name.split_once('_')?;
    u64::from_str_radix(id, 36).ok()
}

/// Whether a body says the thing is gone (deleted by its author, removed by
/// a moderator or by Reddit).
pub(super) fn gone(thing: &Thing) -> bool {
    let marker = |t: Option<&str>| matches!(t.map(str::trim), Some("[deleted]" | "[removed]"));
    thing.removed_by_category.is_some()
        || marker(thing.body.as_deref())
        || (thing.name.starts_with("t3_")
            && marker(thing.selftext.as_deref())
            && marker(thing.author.as_deref()))
}

fn epoch(what: &str, seconds: f64) -> Result<jiff::Timestamp, String> {
    if !seconds.is_finite() || seconds.abs() > 1e11 {
        return Err(format!(
            "Reddit {what}: created_utc {seconds} is out of range"
        ));
    }
    jiff::Timestamp::from_millisecond((seconds * 1000.0).round() as i64)
        .map_err(|e| format!("Reddit {what}: created_utc {seconds}: {e}"))
}

/// The thread root of an inbox comment, from its `context`
/// (`/r/sub/comments/{link}/title/{id}/?context=3`).
fn link_of_context(context: &str) -> Option<String> {
    let mut parts = context.split('/');
    parts.find(|p| *p == "comments")?;
    let link = parts.next()?;
    (!link.is_empty() && link.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("t3_{link}"))
}

/// A thing as a message. `brand` is the account's username (its own things
/// are outbound posts); `from_inbox` says it came from `/message/inbox`.
pub(super) fn message(
    kind: &str,
    thing: &Thing,
    brand: &str,
    from_inbox: bool,
) -> Result<IncomingMessage, String> {
    let what = format!("{kind} {}", thing.name);
    check_fullname(&what, &thing.name)?;
    for parent in [&thing.parent_id, &thing.link_id, &thing.first_message_name]
        .into_iter()
        .flatten()
    {
        check_fullname(&what, parent)?;
    }
    let created_at = epoch(&what, thing.created_utc)?;
    let edited_at = match thing.edited.secs() {
        0 => None,
        secs => jiff::Timestamp::from_second(secs).ok(),
    };
    let author = thing
        .author
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "[deleted]")
        .map(|name| IncomingAuthor {
            platform: ChannelKind::Reddit,
            external_id: name.to_string(),
            handle: name.to_string(),
            display_name: None,
            profile_url: Some(format!("https://www.reddit.com/user/{name}")),
            followers: None,
            verified: false,
            email: None,
        });
    let ours = author
        .as_ref()
        .is_some_and(|a| a.handle.eq_ignore_ascii_case(brand));
    let permalink = |path: &str| {
        if path.starts_with('/') {
            format!("https://www.reddit.com{path}")
        } else {
            path.to_string()
        }
    };
    let count = |n: Option<f64>| n.filter(|n| n.is_finite()).unwrap_or(0.0).max(0.0) as i64;
    let (kind, thread, parent, title, text, link) = match kind {
        "t4" => (
            MessageKind::DirectMessage,
            thing
                .first_message_name
                .clone()
                .filter(|first| *first != thing.name),
            thing.parent_id.clone(),
            thing.subject.clone(),
            thing.body.clone().unwrap_or_default(),
            None,
        ),
        "t3" => (
            MessageKind::ForumPost,
            None,
            None,
            thing.title.clone(),
            thing
                .selftext
                .clone()
                .filter(|t| !t.trim().is_empty())
                .or_else(|| thing.url.clone())
                .unwrap_or_default(),
            thing.permalink.as_deref().map(permalink),
        ),
        "t1" => {
            let thread = thing
                .link_id
                .clone()
                .or_else(|| thing.context.as_deref().and_then(link_of_context));
            let kind = if from_inbox && thing.inbox_type.as_deref() == Some("username_mention") {
                MessageKind::Mention
            } else if thing
                .parent_id
                .as_deref()
                .is_some_and(|p| p.starts_with("t1_"))
            {
                MessageKind::Reply
            } else {
                MessageKind::Comment
            };
            let link = thing
                .permalink
                .as_deref()
                .or(thing.context.as_deref())
                .filter(|p| !p.is_empty())
                .map(permalink);
            (
                kind,
                thread,
                thing.parent_id.clone(),
                None,
                thing.body.clone().unwrap_or_default(),
                link,
            )
        }
        other => return Err(format!("Reddit {what}: unknown kind {other:?}")),
    };
    Ok(IncomingMessage {
        rating: None,
        external_id: thing.name.clone(),
        kind: if ours { MessageKind::Post } else { kind },
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: thread,
        parent_external_id: parent,
        author,
        title,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink: link,
        engagement: Engagement {
            likes: count(thing.score),
            shares: 0,
            replies: count(thing.num_comments),
            views: 0,
        },
    })
}

/// Text compared loosely: whitespace collapsed.
pub(super) fn same_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The wait in a `RATELIMIT` error's words ("try again in 7 minutes.",
/// "… in 30 seconds"), in seconds.
pub(super) fn ratelimit_wait(message: &str) -> Option<u64> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let n: u64 = pair[0].parse().ok()?;
        let unit = pair[1].trim_end_matches(['.', ',']);
        match unit {
            "second" | "seconds" => Some(n),
            "minute" | "minutes" => Some(n * 60),
            "hour" | "hours" => Some(n * 3600),
            _ => None,
        }
    })
}

/// Runs the payload mapping on arbitrary bytes (listing and write answers),
/// for the fuzz target: it must return, never panic.
pub fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(listing) = parse::<Listing>("listing", text) {
        for (kind, thing) in things("listing", listing).into_iter().flatten() {
            let _ = gone(&thing);
            let _ = number(&thing.name);
            let _ = message(&kind, &thing, "brand", true);
            let _ = message(&kind, &thing, "brand", false);
        }
    }
    if let Ok(answer) = parse::<WriteAnswer>("answer", text)
        && let Some(data) = answer.json.data
    {
        for child in data.things {
            let _ = serde_json::from_value::<Thing>(child.data);
        }
    }
    let _ = ratelimit_wait(text);
    let _ = link_of_context(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({"kind": "Listing", "data": {"after": null, "children": [
            {"kind": "t1", "data": {
                "name": "t1_k3yrfii", "author": "Acceptable-Bread-566", "body": "Did it work?",
                "parent_id": "t1_k3u4rtt", "link_id": "t3_agi5zf", "created_utc": 1696700000.0,
                "edited": false, "score": 1, "permalink": "/r/test/comments/agi5zf/x/k3yrfii/"
            }},
            {"kind": "t4", "data": {
                "name": "t4_30s40u5", "author": "Lil_SpazJoekp", "body": "this is unhidden",
                "subject": "re: Modmail message", "parent_id": "t4_30ryob3",
                "first_message_name": "t4_30ryob3", "created_utc": 1750354112.0
            }},
            {"kind": "t1", "data": {
                "name": "t1_ekftbox", "author": "2Botter2Loop", "body": "Hello /u/brand",
                "parent_id": "t3_bb24k7", "type": "username_mention", "was_comment": true,
                "context": "/r/RemovedByBotter/comments/bb24k7/x/ekftbox/?context=3",
                "created_utc": 1554800000.0, "edited": 1554800100.0
            }}
        ]}})
    }

    #[test]
    fn a_listing_maps_comments_messages_and_mentions() {
        let listing: Listing = parse("listing", &sample().to_string()).unwrap();
        let all: Vec<_> = things("listing", listing)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let comment = message(&all[0].0, &all[0].1, "brand", false).unwrap();
        assert_eq!(comment.kind, MessageKind::Reply);
        assert_eq!(comment.thread_external_id.as_deref(), Some("t3_agi5zf"));
        assert_eq!(comment.parent_external_id.as_deref(), Some("t1_k3u4rtt"));
        assert_eq!(
            comment.permalink.as_deref(),
            Some("https://www.reddit.com/r/test/comments/agi5zf/x/k3yrfii/")
        );
        let dm = message(&all[1].0, &all[1].1, "brand", true).unwrap();
        assert_eq!(dm.kind, MessageKind::DirectMessage);
        assert_eq!(dm.thread_external_id.as_deref(), Some("t4_30ryob3"));
        assert_eq!(dm.title.as_deref(), Some("re: Modmail message"));
        let mention = message(&all[2].0, &all[2].1, "brand", true).unwrap();
        assert_eq!(mention.kind, MessageKind::Mention);
        assert_eq!(mention.thread_external_id.as_deref(), Some("t3_bb24k7"));
        assert!(mention.edited_at.is_some());
        let own = message(&all[2].0, &all[2].1, "2botter2loop", true).unwrap();
        assert_eq!(own.direction, Direction::Outbound);
    }

    #[test]
    fn rate_limit_words_and_fullnames_are_read() {
        assert_eq!(
            ratelimit_wait("you are doing that too much. try again in 7 minutes."),
            Some(420)
        );
        assert_eq!(ratelimit_wait("try again in 1 second."), Some(1));
        assert_eq!(ratelimit_wait("later"), None);
        assert!(check_fullname("x", "t1_abc").is_ok());
        assert!(check_fullname("x", "t1_../x").is_err());
        assert!(check_fullname("x", "t9_abc").is_err());
        assert_eq!(number("t1_10"), Some(36));
    }

    fn any_json() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_map(|n| json!(n)),
            ".{0,40}".prop_map(Value::String),
            Just(json!([])),
            Just(json!({})),
        ]
    }

    const FIELDS: &[&str] = &[
        "name",
        "author",
        "body",
        "parent_id",
        "link_id",
        "created_utc",
        "edited",
        "score",
        "permalink",
        "type",
        "context",
        "first_message_name",
    ];

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = parse::<Listing>("listing", &body) {
                prop_assert!(e.starts_with("Reddit listing"), "{}", e);
            }
            fuzz(body.as_bytes());
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(child in 0..3usize, field in 0..FIELDS.len(), value in any_json()) {
            let mut v = sample();
            v["data"]["children"][child]["data"][FIELDS[field]] = value;
            let listing: Listing = parse("listing", &v.to_string()).unwrap();
            let all = things("listing", listing);
            match &all[child] {
                Err(e) => prop_assert!(e.contains(&format!("[{child}]")), "{}", e),
                Ok((kind, thing)) => {
                    if let Err(e) = message(kind, thing, "brand", true) {
                        prop_assert!(e.starts_with("Reddit"), "{}", e);
                    }
                }
            }
        }
    }
}
