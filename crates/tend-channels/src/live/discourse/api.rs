//! Discourse's JSON as the connector reads it (private types), the cursor,
//! and the mapping of a post to Tend's [`IncomingMessage`] (the importer's
//! own, so an import and a live read agree). Errors name the answer and the
//! field (`Discourse posts: at latest_posts[3].id: …`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tend_domain::{Direction, IncomingMessage, MessageKind};

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Discourse {what}: at {path}: {}", e.inner())
    })
}

/// What the connector needs of a post to page, filter and notice edits and
/// deletions; the full post goes to [`message`].
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Brief {
    pub id: u64,
    pub topic_id: u64,
    #[serde(default)]
    pub post_number: u64,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub category_id: Option<u64>,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub deleted_at: Option<String>,
    #[serde(default)]
    pub hidden: Option<bool>,
    #[serde(default)]
    pub post_type: Option<u64>,
}

impl Brief {
    /// Gone from view: deleted, or hidden by flags or moderators.
    pub fn gone(&self) -> bool {
        self.deleted_at.is_some() || self.hidden == Some(true)
    }

    /// A small action (topic closed, pinned …) or a staff whisper: not a
    /// member's message.
    pub fn not_a_message(&self) -> bool {
        matches!(self.post_type, Some(3 | 4))
    }

    pub fn created(&self) -> Option<jiff::Timestamp> {
        self.created_at.as_deref().and_then(|t| t.parse().ok())
    }
}

/// One post of a list answer: its brief (when it could be read) and the
/// post itself. One unreadable post must not hide the others.
#[derive(Debug)]
pub(super) struct Entry {
    pub brief: Result<Brief, String>,
    pub value: Value,
}

fn entries(what: &str, list: &str, values: Vec<Value>) -> Vec<Entry> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let brief = serde_path_to_error::deserialize(&value).map_err(|e| {
                format!(
                    "Discourse {what}: at {list}[{i}].{}: {}",
                    e.path(),
                    e.inner()
                )
            });
            Entry { brief, value }
        })
        .collect()
}

/// `GET /posts.json`: the latest posts, newest first.
pub(super) fn latest_posts(body: &str) -> Result<Vec<Entry>, String> {
    #[derive(Deserialize)]
    struct Latest {
        latest_posts: Vec<Value>,
    }
    let latest: Latest = parse("posts", body)?;
    Ok(entries("posts", "latest_posts", latest.latest_posts))
}

/// `GET /t/{id}.json` and `GET /t/{id}/posts.json`: a topic's posts, the
/// ids of all of them (`stream`, only in the first), and its archetype.
#[derive(Debug)]
pub(super) struct TopicPosts {
    pub posts: Vec<Entry>,
    pub stream: Vec<u64>,
    pub private: bool,
}

pub(super) fn topic_posts(body: &str) -> Result<TopicPosts, String> {
    #[derive(Deserialize)]
    struct Stream {
        #[serde(default)]
        posts: Vec<Value>,
        #[serde(default)]
        stream: Vec<u64>,
    }
    #[derive(Deserialize)]
    struct Topic {
        post_stream: Stream,
        #[serde(default)]
        archetype: Option<String>,
    }
    let topic: Topic = parse("topic", body)?;
    Ok(TopicPosts {
        posts: entries("topic", "post_stream.posts", topic.post_stream.posts),
        stream: topic.post_stream.stream,
        private: topic.archetype.as_deref() == Some("private_message"),
    })
}

/// A topic of a topic list (`/topics/private-messages/…`, `/tag/…`,
/// `/topics/created-by/…`).
#[derive(Debug, Deserialize)]
pub(super) struct ListedTopic {
    pub id: u64,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub last_posted_at: Option<String>,
}

pub(super) fn topic_list(what: &str, body: &str) -> Result<Vec<ListedTopic>, String> {
    #[derive(Deserialize)]
    struct List {
        topics: Vec<Value>,
    }
    #[derive(Deserialize)]
    struct Answer {
        topic_list: List,
    }
    let answer: Answer = parse(what, body)?;
    // A topic that cannot be read is skipped, not the whole list.
    Ok(answer
        .topic_list
        .topics
        .into_iter()
        .filter_map(|t| serde_json::from_value(t).ok())
        .collect())
}

/// `GET /posts/{id}.json` and the answer of `POST /posts.json`.
#[derive(Debug, Deserialize)]
pub(super) struct Post {
    pub id: u64,
    pub topic_id: u64,
    pub post_number: u64,
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub post_url: Option<String>,
    #[serde(default)]
    pub topic_slug: Option<String>,
}

impl Post {
    /// The post's link on the forum at `base`.
    pub fn url(&self, base: &str) -> String {
        match (&self.post_url, &self.topic_slug) {
            (Some(path), _) if path.starts_with('/') && !path.starts_with("//") => {
                format!("{base}{path}")
            }
            (_, Some(slug)) => format!("{base}/t/{slug}/{}/{}", self.topic_id, self.post_number),
            _ => format!("{base}/t/{}/{}", self.topic_id, self.post_number),
        }
    }
}

/// `GET /notifications.json`.
#[derive(Debug, Deserialize)]
pub(super) struct Notification {
    pub id: u64,
    pub notification_type: u64,
    #[serde(default)]
    pub topic_id: Option<u64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub data: Option<NotificationData>,
}

#[derive(Debug, Deserialize)]
pub(super) struct NotificationData {
    #[serde(default)]
    pub original_post_id: Option<u64>,
}

impl Notification {
    pub fn created(&self) -> Option<jiff::Timestamp> {
        self.created_at.as_deref().and_then(|t| t.parse().ok())
    }
}

/// Notification types that bring a member's post to the brand: mentioned
/// (1), replied (2), quoted (3), group mentioned (15).
pub(super) const MENTION_TYPES: [u64; 4] = [1, 2, 3, 15];

/// The notifications of an answer; one that cannot be read is skipped.
pub(super) fn notifications(body: &str) -> Result<Vec<Notification>, String> {
    #[derive(Deserialize)]
    struct List {
        notifications: Vec<Value>,
    }
    let list: List = parse("notifications", body)?;
    Ok(list
        .notifications
        .into_iter()
        .filter_map(|n| serde_json::from_value(n).ok())
        .collect())
}

/// `GET /session/current.json`.
#[derive(Debug, Deserialize)]
pub(super) struct Session {
    pub current_user: CurrentUser,
}

#[derive(Debug, Deserialize)]
pub(super) struct CurrentUser {
    pub username: String,
}

/// Discourse's error body (`{"errors": […], "error_type": …, "extras": …}`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub extras: Option<Extras>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Extras {
    #[serde(default)]
    pub wait_seconds: Option<f64>,
}

pub(super) fn error_body(body: &str) -> ErrorBody {
    serde_json::from_str(body).unwrap_or_default()
}

/// A post as a message. `base` makes its link absolute; `brand` (the
/// account's username) makes the brand's own posts outbound.
pub(super) fn message(
    value: &Value,
    private: bool,
    base: &str,
    brand: &str,
) -> Result<IncomingMessage, String> {
    let id = value.get("id").map(Value::to_string).unwrap_or_default();
    let mut m = crate::import::discourse::live_post(value, private)
        .map_err(|e| format!("Discourse post {}: {e}", short(&id)))?;
    if let Some(link) = &m.permalink {
        m.permalink = Some(format!("{base}{link}"));
    }
    if let Some(author) = &mut m.author
        && let Some(profile) = &author.profile_url
    {
        author.profile_url = Some(format!("{base}{profile}"));
    }
    let ours = m
        .author
        .as_ref()
        .is_some_and(|a| a.handle.eq_ignore_ascii_case(brand));
    if ours {
        m.direction = Direction::Outbound;
        m.kind = MessageKind::Post;
    }
    Ok(m)
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A reply target's topic and post number, from the external id
/// `t{topic}/p{number}` the connector (and the importer) gives posts.
pub(super) fn topic_and_number(external_id: &str) -> Option<(u64, u64)> {
    let (t, p) = external_id.strip_prefix('t')?.split_once("/p")?;
    let topic = t.parse().ok().filter(|n| *n > 0)?;
    let number = p.parse().ok().filter(|n| *n > 0)?;
    Some((topic, number))
}

/// Where reading stopped: the newest post read, the newest private message
/// read (and when it was written), and the versions of the newest posts read
/// (to notice their edits and deletions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Mark {
    /// The newest post id read from `/posts.json`.
    pub post: u64,
    /// The newest private-message post id read.
    #[serde(default)]
    pub pm: u64,
    /// When the newest private message read was written (Unix seconds).
    #[serde(default)]
    pub pm_at: i64,
    /// The newest notification read.
    #[serde(default)]
    pub notif: u64,
    /// `[id, version, topic, post number]` of the newest posts read, newest
    /// first.
    #[serde(default)]
    pub recent: Vec<[u64; 4]>,
}

/// How many recent posts a cursor watches for edits and deletions.
pub(super) const WATCHED: usize = 50;
/// Watched posts more than this many ids older than the newest read are
/// dropped: a read never walks further back for them (a quiet category
/// on a busy forum would otherwise cost many pages each read).
pub(super) const WATCH_SPAN: u64 = 500;

impl Mark {
    pub fn parse(cursor: &str) -> Result<Mark, String> {
        if cursor.len() > 16_384 {
            return Err("Discourse cursor: too long".into());
        }
        let mark: Mark = serde_json::from_str(cursor)
            .map_err(|e| format!("Discourse cursor {:?}: {e}", short(cursor)))?;
        Ok(mark)
    }

    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The oldest watched id (reading back to it sees every watched post).
    pub fn floor(&self) -> u64 {
        let oldest_watched = self.post.saturating_sub(WATCH_SPAN);
        self.recent
            .iter()
            .map(|w| w[0])
            .filter(|id| *id >= oldest_watched)
            .min()
            .unwrap_or(self.post)
            .min(self.post)
    }

    /// Watches a post (newest first, at most [`WATCHED`]).
    pub fn watch(&mut self, brief: &Brief) {
        self.forget(brief.id);
        let version = brief.version.unwrap_or(1);
        self.recent
            .push([brief.id, version, brief.topic_id, brief.post_number]);
        self.recent.sort_by(|a, b| b[0].cmp(&a[0]));
        self.recent.truncate(WATCHED);
    }

    pub fn forget(&mut self, id: u64) {
        self.recent.retain(|w| w[0] != id);
    }
}

/// The invisible marker a post carries so that [`super::Discourse::lookup`]
/// can recognise it: an HTML comment, kept in `raw` and dropped from the
/// rendered post.
pub(super) fn marker(key: &str) -> String {
    format!("<!-- tend:{} -->", safe_key(key))
}

/// A key as it may stand in an HTML comment: letters, digits, `_` and `.`.
pub(super) fn safe_key(key: &str) -> String {
    key.chars()
        .take(120)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// When the key was made (its `.{unix seconds}` suffix), if it says.
pub(super) fn key_time(key: &str) -> Option<jiff::Timestamp> {
    let (_, secs) = key.rsplit_once('.')?;
    jiff::Timestamp::from_second(secs.parse().ok()?).ok()
}

/// The title of a new topic: the text's first line, at most 255 characters.
pub(super) fn title_of(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    line.chars().take(255).collect()
}

/// Runs the mapping on arbitrary bytes, as the fuzzer does: it must never panic.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(entries) = latest_posts(text) {
        for e in entries {
            let _ = message(&e.value, false, "https://f.example", "brand");
        }
    }
    if let Ok(topic) = topic_posts(text) {
        for e in topic.posts {
            let _ = message(&e.value, topic.private, "https://f.example", "brand");
        }
    }
    let _ = topic_list("topics", text);
    let _ = notifications(text).map(|n| n.iter().map(Notification::created).count());
    let _ = parse::<Post>("post", text);
    let _ = Mark::parse(text).map(|m| m.floor());
    let _ = error_body(text);
    let _ = topic_and_number(text);
    let _ = key_time(text);
    let _ = title_of(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"latest_posts": [{
            "id": 20, "name": "Sam", "username": "sam", "avatar_template": "",
            "created_at": "2026-08-01T13:51:42.823Z", "cooked": "<p>Hello <b>there</b></p>",
            "post_number": 2, "post_type": 1, "updated_at": "2026-08-01T13:51:42.823Z",
            "reply_count": 0, "reply_to_post_number": null, "quote_count": 0,
            "reads": 3, "score": 0.2, "topic_id": 7, "topic_slug": "hello",
            "topic_title": "Hello", "category_id": 4, "version": 1, "user_id": 12,
            "deleted_at": null, "hidden": false, "raw": "Hello **there**"
        }]})
    }

    #[test]
    fn a_post_maps_like_the_import_with_absolute_links() {
        let entries = latest_posts(&sample().to_string()).unwrap();
        let brief = entries[0].brief.as_ref().unwrap();
        assert_eq!(
            (brief.id, brief.topic_id, brief.category_id),
            (20, 7, Some(4))
        );
        let m = message(&entries[0].value, false, "https://f.example", "brand").unwrap();
        assert_eq!(m.external_id, "t7/p2");
        assert_eq!(m.thread_external_id.as_deref(), Some("t7/p1"));
        assert_eq!(m.parent_external_id.as_deref(), Some("t7/p1"));
        assert_eq!(m.text, "Hello there");
        assert_eq!(
            m.permalink.as_deref(),
            Some("https://f.example/t/hello/7/2")
        );
        assert_eq!(m.kind, MessageKind::ForumPost);
        let ours = message(&entries[0].value, false, "https://f.example", "SAM").unwrap();
        assert_eq!(
            (ours.kind, ours.direction),
            (MessageKind::Post, Direction::Outbound)
        );
    }

    #[test]
    fn a_broken_field_is_named() {
        let mut v = sample();
        v["latest_posts"][0]["id"] = json!("x");
        let entries = latest_posts(&v.to_string()).unwrap();
        let err = entries[0].brief.as_ref().unwrap_err();
        assert!(err.contains("latest_posts[0].id"), "{err}");
        let mut v = sample();
        v["latest_posts"][0]["created_at"] = json!("yesterday");
        let err = message(&v["latest_posts"][0], false, "", "b").unwrap_err();
        assert!(err.starts_with("Discourse post 20: created_at"), "{err}");
    }

    #[test]
    fn ids_keys_and_cursors_round_trip() {
        assert_eq!(topic_and_number("t12/p3"), Some((12, 3)));
        assert_eq!(topic_and_number("t0/p3"), None);
        assert_eq!(topic_and_number("12"), None);
        assert_eq!(safe_key("tend-1-2-a/b c.99"), "tend_1_2_a_b_c.99");
        assert_eq!(
            key_time("tend_1.1700000000").map(|t| t.as_second()),
            Some(1_700_000_000)
        );
        assert!(!marker("a-->b").contains("-->b"));
        let mut m = Mark::default();
        for i in 1..=60 {
            let b: Brief =
                serde_json::from_value(json!({"id": i, "topic_id": 1, "post_number": i})).unwrap();
            m.watch(&b);
        }
        assert_eq!(m.recent.len(), WATCHED);
        assert_eq!(m.floor(), 0, "post 0 read: the floor is the cursor");
        m.post = 60;
        assert_eq!(m.floor(), 11);
        let mut far = m.clone();
        far.post = 1000;
        assert_eq!(far.floor(), 1000, "posts long past are not watched");
        assert_eq!(Mark::parse(&m.text()).unwrap(), m);
        assert!(Mark::parse("garbage").is_err());
        assert_eq!(title_of("\n  First line  \nrest"), "First line");
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = latest_posts(&body) {
                prop_assert!(e.starts_with("Discourse posts"), "{}", e);
            }
            if let Err(e) = topic_posts(&body) {
                prop_assert!(e.starts_with("Discourse topic"), "{}", e);
            }
            if let Err(e) = Mark::parse(&body) {
                prop_assert!(e.starts_with("Discourse cursor"), "{}", e);
            }
            fuzz(body.as_bytes());
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(
            field in prop::sample::select(vec!["id", "topic_id", "post_number", "created_at", "cooked", "username", "version", "updated_at", "reply_to_post_number", "deleted_at", "hidden", "reads"]),
            value in prop_oneof![Just(Value::Null), any::<bool>().prop_map(Value::Bool), any::<i64>().prop_map(|n| json!(n)), ".{0,20}".prop_map(Value::String), Just(json!([])), Just(json!({}))],
        ) {
            let mut v = sample();
            v["latest_posts"][0][field] = value;
            let entries = latest_posts(&v.to_string()).unwrap();
            match &entries[0].brief {
                Err(e) => prop_assert!(e.contains(field), "{}", e),
                Ok(_) => {
                    if let Err(e) = message(&entries[0].value, false, "", "brand") {
                        prop_assert!(e.starts_with("Discourse post"), "{}", e);
                    }
                }
            }
        }
    }
}
