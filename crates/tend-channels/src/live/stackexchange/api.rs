//! The Stack Exchange API 2.3's JSON as the connector reads it (private
//! types): the common wrapper (`items`, `has_more`, `quota_max`,
//! `quota_remaining`, `backoff`), the error wrapper (`error_id`,
//! `error_name`, `error_message`), questions, answers and comments, the
//! cursor, and the mapping to Tend's [`IncomingMessage`] with the dump
//! importer's ids (`post-{id}`, `comment-{id}`), so an import of a site's
//! dump and a live read agree. Errors name the answer and the field.

use crate::import::html;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// The common wrapper of every answer; its items are read one by one
/// ([`Wrapper::items`]), so one unreadable item does not hide the others.
#[derive(Debug, Deserialize)]
pub(super) struct Wrapper {
    pub items: Vec<serde_json::Value>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub quota_max: Option<u64>,
    #[serde(default)]
    pub quota_remaining: Option<u64>,
    /// Seconds to wait before calling the same method again.
    #[serde(default)]
    pub backoff: Option<u64>,
}

/// The error wrapper.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Error {
    #[serde(default)]
    pub error_id: Option<u64>,
    #[serde(default)]
    pub error_name: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
}

pub(super) fn error(body: &str) -> Option<Error> {
    serde_json::from_str::<Error>(body)
        .ok()
        .filter(|e| e.error_id.is_some())
}

/// "… more requests available in 82 seconds": the 82.
pub(super) fn seconds_in(message: &str) -> Option<u64> {
    let words: Vec<&str> = message.split_whitespace().collect();
    words.windows(2).find_map(|w| {
        w[1].trim_end_matches(['.', ','])
            .starts_with("second")
            .then(|| w[0].parse().ok())
            .flatten()
    })
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Owner {
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub reputation: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Question {
    pub question_id: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub owner: Option<Owner>,
    pub creation_date: i64,
    pub last_activity_date: i64,
    #[serde(default)]
    pub last_edit_date: Option<i64>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub view_count: Option<i64>,
    #[serde(default)]
    pub answer_count: Option<i64>,
    #[serde(default)]
    pub comment_count: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Answer {
    pub answer_id: u64,
    pub question_id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub owner: Option<Owner>,
    pub creation_date: i64,
    #[serde(default)]
    pub last_edit_date: Option<i64>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub comment_count: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Comment {
    pub comment_id: u64,
    pub post_id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub owner: Option<Owner>,
    pub creation_date: i64,
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub link: Option<String>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse(what: &str, body: &str) -> Result<Wrapper, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Stack Exchange {what}: at {path}: {}", e.inner())
    })
}

impl Wrapper {
    /// The items as `T`, each read on its own; an error names the item and
    /// the field (`questions: at items[3].creation_date: …`).
    pub fn items<T: DeserializeOwned>(&self, what: &str) -> Vec<Result<T, String>> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, value)| {
                serde_path_to_error::deserialize(value).map_err(|e| {
                    format!(
                        "Stack Exchange {what}: at items[{i}].{}: {}",
                        e.path(),
                        e.inner()
                    )
                })
            })
            .collect()
    }
}

/// The answer's bytes as text: the API compresses every answer (gzip,
/// with or without `Content-Encoding`), so gzip is undone here; at most
/// 32 MiB are inflated.
pub(super) fn decode(bytes: &[u8]) -> Result<String, String> {
    const MAX: u64 = 32 * 1024 * 1024;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX)
            .read_to_string(&mut text)
            .map_err(|e| format!("Stack Exchange: a compressed answer could not be read: {e}"))?;
        Ok(text)
    } else {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| "Stack Exchange: the answer is not UTF-8".to_string())
    }
}

fn timestamp(what: &str, field: &str, secs: i64) -> Result<jiff::Timestamp, String> {
    jiff::Timestamp::from_second(secs).map_err(|e| format!("Stack Exchange {what}: {field}: {e}"))
}

/// Display names come HTML-encoded (`O&#39;Brien`).
fn decoded(text: &str) -> String {
    html_escape::decode_html_entities(text).trim().to_string()
}

fn author(owner: Option<&Owner>) -> Option<IncomingAuthor> {
    let owner = owner?;
    let name = owner
        .display_name
        .as_deref()
        .map(decoded)
        .filter(|n| !n.is_empty());
    let external_id = match (owner.user_id, &name) {
        (Some(id), _) => id.to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) => return None,
    };
    let handle = name.clone().unwrap_or_else(|| format!("user{external_id}"));
    Some(IncomingAuthor {
        platform: ChannelKind::Stackexchange,
        external_id,
        handle,
        display_name: name,
        profile_url: owner.link.clone().filter(|l| l.starts_with("https://")),
        followers: owner.reputation.map(|r| r.max(0)),
        verified: false,
        email: None,
    })
}

pub(super) fn post_id(id: u64) -> String {
    format!("post-{id}")
}

fn text(body: Option<&str>) -> String {
    html::to_text(body.unwrap_or_default())
}

fn edited(
    created: jiff::Timestamp,
    edit: Option<i64>,
    what: &str,
) -> Result<Option<jiff::Timestamp>, String> {
    match edit {
        Some(secs) => Ok(Some(timestamp(what, "last_edit_date", secs)?).filter(|t| *t > created)),
        None => Ok(None),
    }
}

pub(super) fn question(q: &Question) -> Result<IncomingMessage, String> {
    let what = format!("question {}", q.question_id);
    let created_at = timestamp(&what, "creation_date", q.creation_date)?;
    let count = |n: Option<i64>| n.unwrap_or(0).max(0);
    Ok(IncomingMessage {
        rating: None,
        external_id: post_id(q.question_id),
        kind: MessageKind::ForumPost,
        direction: Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: author(q.owner.as_ref()),
        title: Some(decoded(&q.title)).filter(|t| !t.is_empty()),
        text: text(q.body.as_deref()),
        lang: None,
        created_at,
        edited_at: edited(created_at, q.last_edit_date, &what)?,
        permalink: q.link.clone().filter(|l| l.starts_with("https://")),
        engagement: Engagement {
            likes: q.score.unwrap_or(0),
            shares: 0,
            replies: count(q.answer_count) + count(q.comment_count),
            views: count(q.view_count),
        },
    })
}

pub(super) fn answer(a: &Answer) -> Result<IncomingMessage, String> {
    let what = format!("answer {}", a.answer_id);
    let created_at = timestamp(&what, "creation_date", a.creation_date)?;
    let root = post_id(a.question_id);
    Ok(IncomingMessage {
        rating: None,
        external_id: post_id(a.answer_id),
        kind: MessageKind::ForumPost,
        direction: Direction::Inbound,
        thread_external_id: Some(root.clone()),
        parent_external_id: Some(root),
        author: author(a.owner.as_ref()),
        title: None,
        text: text(a.body.as_deref()),
        lang: None,
        created_at,
        edited_at: edited(created_at, a.last_edit_date, &what)?,
        permalink: a.link.clone().filter(|l| l.starts_with("https://")),
        engagement: Engagement {
            likes: a.score.unwrap_or(0),
            shares: 0,
            replies: a.comment_count.unwrap_or(0).max(0),
            views: 0,
        },
    })
}

/// A comment on post `c.post_id`, whose question is `question` (at
/// `question_link`: the comment's own link is the site's
/// `#comment{id}_{post}` anchor on it).
pub(super) fn comment(
    c: &Comment,
    question: u64,
    question_link: Option<&str>,
) -> Result<IncomingMessage, String> {
    let what = format!("comment {}", c.comment_id);
    let created_at = timestamp(&what, "creation_date", c.creation_date)?;
    Ok(IncomingMessage {
        rating: None,
        external_id: format!("comment-{}", c.comment_id),
        kind: MessageKind::Comment,
        direction: Direction::Inbound,
        thread_external_id: Some(post_id(question)),
        parent_external_id: Some(post_id(c.post_id)),
        author: author(c.owner.as_ref()),
        title: None,
        text: text(c.body.as_deref()),
        lang: None,
        created_at,
        edited_at: None,
        permalink: c
            .link
            .clone()
            .or_else(|| question_link.map(|q| format!("{q}#comment{}_{}", c.comment_id, c.post_id)))
            .filter(|l| l.starts_with("https://")),
        engagement: Engagement {
            likes: c.score.unwrap_or(0),
            ..Engagement::default()
        },
    })
}

/// Where reading stopped, per followed tag ("" when no tag is set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Mark {
    pub tags: BTreeMap<String, TagMark>,
}

/// One tag's read. Questions are listed in order of activity from `at`
/// (Unix seconds, inclusive, as the API's `min`). An item is new when its
/// time (creation or last edit) is at or after `floor` and it is not in
/// `seen` (`{external id}@{time}`, what was handed over at or after
/// `floor`). `floor` follows `at` only once a listing is read to its end,
/// so a read cut short by its page budget loses nothing of the questions
/// still to come.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct TagMark {
    pub at: i64,
    #[serde(default)]
    pub floor: i64,
    #[serde(default)]
    pub seen: Vec<String>,
}

/// How many `seen` entries a tag's mark keeps (beyond it the smallest go:
/// a repeat at worst, never a loss).
const MAX_SEEN: usize = 2000;

impl Mark {
    pub fn parse(cursor: &str) -> Result<Mark, String> {
        if cursor.len() > 256 * 1024 {
            return Err("Stack Exchange cursor: too long".into());
        }
        serde_json::from_str(cursor).map_err(|e| {
            format!(
                "Stack Exchange cursor {:?}: {e}",
                cursor.chars().take(40).collect::<String>()
            )
        })
    }

    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl TagMark {
    /// A tag read from `at` on.
    pub fn from(at: i64) -> TagMark {
        TagMark {
            at,
            floor: at,
            seen: Vec::new(),
        }
    }

    /// Records a page: the listing reached `at`, these items were handed
    /// over, and whether the listing was read to its end.
    pub fn advance(
        &mut self,
        at: i64,
        seen: impl IntoIterator<Item = (String, i64)>,
        complete: bool,
    ) {
        self.at = self.at.max(at);
        if complete {
            self.floor = self.floor.max(self.at);
        }
        for (key, time) in seen {
            self.seen.push(format!("{key}@{time}"));
        }
        let floor = self.floor;
        self.seen.retain(|entry| {
            entry
                .rsplit_once('@')
                .and_then(|(_, t)| t.parse::<i64>().ok())
                .is_some_and(|t| t >= floor)
        });
        self.seen.sort();
        self.seen.dedup();
        if self.seen.len() > MAX_SEEN {
            let extra = self.seen.len() - MAX_SEEN;
            self.seen.drain(..extra);
        }
    }

    /// Whether an item with this time is new.
    pub fn fresh(&self, key: &str, time: i64) -> bool {
        time >= self.floor && self.seen.binary_search(&format!("{key}@{time}")).is_err()
    }
}

/// Runs the parsers and the mapping on arbitrary bytes (the fuzz target).
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = decode(bytes) else {
        return;
    };
    if let Ok(w) = parse("answer", &text) {
        for q in w.items::<Question>("questions").iter().flatten() {
            let _ = question(q);
        }
        for a in w.items::<Answer>("answers").iter().flatten() {
            let _ = answer(a);
        }
        for c in w.items::<Comment>("comments").iter().flatten() {
            let _ = comment(c, 1, Some("https://x.example/questions/1"));
        }
    }
    let _ = error(&text).and_then(|e| e.error_message.as_deref().and_then(seconds_in));
    if let Ok(mut m) = Mark::parse(&text) {
        for t in m.tags.values_mut() {
            t.advance(t.at.saturating_add(1), [("x".to_string(), t.at)], true);
            let _ = t.fresh("x", t.at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({"items": [{
            "tags": ["rust"], "owner": {"account_id": 1, "reputation": 1234, "user_id": 5,
            "user_type": "registered", "display_name": "Ada O&#39;Hara",
            "link": "https://stackoverflow.com/users/5/ada"},
            "is_answered": false, "view_count": 12, "answer_count": 1, "score": 3,
            "last_activity_date": 1700000500, "creation_date": 1700000000,
            "last_edit_date": 1700000400, "question_id": 10,
            "content_license": "CC BY-SA 4.0",
            "link": "https://stackoverflow.com/questions/10/how", "title": "How &amp; why?",
            "body": "<p>Hello <code>x</code></p>"
        }], "has_more": false, "quota_max": 300, "quota_remaining": 290})
    }

    #[test]
    fn a_question_maps_like_the_dump_import() {
        let w = parse("questions", &sample().to_string()).unwrap();
        assert_eq!(w.quota_remaining, Some(290));
        let q = w.items::<Question>("questions").remove(0).unwrap();
        let m = question(&q).unwrap();
        assert_eq!(m.external_id, "post-10");
        assert_eq!(m.title.as_deref(), Some("How & why?"));
        assert_eq!(m.text, "Hello x");
        assert!(m.edited_at.is_some());
        let a = m.author.unwrap();
        assert_eq!(
            (a.external_id.as_str(), a.handle.as_str()),
            ("5", "Ada O'Hara")
        );
        assert_eq!(a.followers, Some(1234));
    }

    #[test]
    fn errors_and_waits_are_read() {
        let e = error(r#"{"error_id":502,"error_message":"too many requests from this IP, more requests available in 82 seconds","error_name":"throttle_violation"}"#).unwrap();
        assert_eq!(e.error_id, Some(502));
        assert_eq!(seconds_in(e.error_message.as_deref().unwrap()), Some(82));
        assert_eq!(seconds_in("no number here"), None);
        assert!(error(&sample().to_string()).is_none());
    }

    #[test]
    fn gzip_is_undone() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"{\"items\":[]}").unwrap();
        let bytes = enc.finish().unwrap();
        assert_eq!(decode(&bytes).unwrap(), "{\"items\":[]}");
        assert_eq!(decode(b"plain").unwrap(), "plain");
        assert!(decode(&[0x1f, 0x8b, 0, 1]).is_err());
    }

    #[test]
    fn a_tag_mark_skips_what_it_saw_and_keeps_its_floor_until_a_listing_ends() {
        let mut t = TagMark::from(90);
        t.advance(
            100,
            [("post-1".to_string(), 100), ("post-0".to_string(), 95)],
            false,
        );
        assert_eq!(
            (t.at, t.floor),
            (100, 90),
            "a listing cut short keeps its floor"
        );
        assert!(!t.fresh("post-1", 100) && !t.fresh("post-0", 95));
        assert!(
            t.fresh("post-3", 95),
            "older than the listing's mark, still new"
        );
        assert!(t.fresh("post-1", 101), "an edit later is new");
        t.advance(120, [("post-2".to_string(), 120)], true);
        assert_eq!(t.floor, 120);
        assert!(!t.fresh("post-3", 95));
        assert!(!t.fresh("post-2", 120));
        assert_eq!(t.seen, vec!["post-2@120".to_string()]);
        let mut m = Mark::default();
        m.tags.insert("rust".into(), t);
        assert_eq!(Mark::parse(&m.text()).unwrap(), m);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = parse("questions", &body) {
                prop_assert!(e.starts_with("Stack Exchange questions"), "{}", e);
            }
            if let Err(e) = Mark::parse(&body) {
                prop_assert!(e.starts_with("Stack Exchange cursor"), "{}", e);
            }
            fuzz(body.as_bytes());
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(
            field in prop::sample::select(vec!["question_id", "title", "body", "owner", "creation_date", "last_activity_date", "last_edit_date", "score", "link"]),
            value in prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool), any::<i64>().prop_map(|n| json!(n)), ".{0,20}".prop_map(Value::String), Just(json!([])), Just(json!({}))],
        ) {
            let mut v = sample();
            v["items"][0][field] = value;
            let w = parse("questions", &v.to_string()).unwrap();
            match w.items::<Question>("questions").remove(0) {
                Err(e) => prop_assert!(e.contains(field) && e.contains("items[0]"), "{}", e),
                Ok(q) => {
                    if let Err(e) = question(&q) {
                        prop_assert!(e.starts_with("Stack Exchange question"), "{}", e);
                    }
                }
            }
        }
    }
}
