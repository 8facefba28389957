//! Reddit thread JSON, as the API returns it (and as browser "add .json" and
//! archiving tools save it). Three shapes are read:
//! - `GET /comments/<id>`: a two-element array `[Listing(t3), Listing(t1 …)]`,
//!   replies nested in each comment's `replies` (a Listing, or `""` when none);
//! - `POST /api/morechildren`: `{"json": {"errors": [], "data": {"things": [...]}}}`,
//!   a flat list of comments that attach to the tree by `parent_id`;
//! - a single `Listing` (e.g. a saved `replies` object).
//!
//! Mapping: the submission (`t3`) is the thread root (`ForumPost`, `title`,
//! `selftext` as text, or the link `url` when there is no self text;
//! `num_comments` → replies). Comments (`t1`) are `Comment`s whose parent is
//! `parent_id` and whose thread is `link_id`. External ids are Reddit's
//! fullnames (`t3_2gmzqe`, `t1_cklhv0f`), which is also how `parent_id` names
//! them. A `more` stub becomes one [`IncomingItem::Missing`] per child id (parent
//! = the stub's `parent_id`); a "continue this thread" stub (no child ids) yields
//! nothing. Authors are keyed by username (unique and permanent on Reddit);
//! `[deleted]` or absent → `author: None`. `score` → likes, `created_utc` (float
//! seconds) → created, `edited` (`false` or epoch seconds) → edited. Text is the
//! `body` / `selftext` markdown as given (with `raw_json=1` it is unescaped; older
//! responses escape `&`, `<`, `>` as entities, which are kept as they are).
//!
//! The tree is walked with an explicit stack, so nesting costs no recursion; the
//! JSON parser itself refuses documents nested deeper than 128 levels (about 24 levels
//! of replies in a `/comments` response; Reddit pages deeper threads with `more`
//! stubs), which is an [`ImportError`].

use crate::import::{Import, ImportError, Location, MAX_FILE_BYTES, MAX_TEXT_BYTES, Rejected};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::path::Path;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
    MissingItem,
};

/// Reads a Reddit `/comments/<id>` or `/api/morechildren` response file.
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let at = Location {
        file: path.to_path_buf(),
        line: None,
        record: None,
        field: None,
    };
    let len = std::fs::metadata(path)
        .map_err(|err| ImportError {
            at: at.clone(),
            message: format!("cannot open: {err}"),
        })?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(ImportError {
            at,
            message: format!("file is {len} bytes; at most {MAX_FILE_BYTES}"),
        });
    }
    let bytes = std::fs::read(path).map_err(|err| ImportError {
        at,
        message: format!("cannot read: {err}"),
    })?;
    read_slice(&bytes, path)
}

/// Reads a response already in memory; `file` names it in errors. Used by
/// [`read`], the fuzz target, and callers that fetched the JSON themselves.
pub fn read_slice(bytes: &[u8], file: &Path) -> Result<Import, ImportError> {
    let location = |line: Option<u64>, field: Option<&str>| Location {
        file: file.to_path_buf(),
        line,
        record: None,
        field: field.map(str::to_string),
    };
    let document: Value = serde_json::from_slice(bytes).map_err(|err| {
        let what = if err.is_eof() {
            "truncated JSON"
        } else {
            "not valid JSON"
        };
        ImportError {
            at: location(u64::try_from(err.line()).ok().filter(|&l| l > 0), None),
            message: format!("{what}: {err}"),
        }
    })?;
    let not_reddit = |field: &str, message: &str| ImportError {
        at: location(None, Some(field)),
        message: format!("not a Reddit /comments or /api/morechildren response: {message}"),
    };
    let mut roots: Vec<&Value> = Vec::new();
    match &document {
        Value::Array(listings) if !listings.is_empty() => {
            for (i, listing) in listings.iter().enumerate() {
                let children = listing_children(listing)
                    .ok_or_else(|| not_reddit(&format!("[{i}]"), "element is not a Listing"))?;
                roots.extend(children);
            }
        }
        Value::Object(object) if object.contains_key("json") => {
            let things = document
                .pointer("/json/data/things")
                .and_then(Value::as_array)
                .ok_or_else(|| not_reddit("json.data.things", "missing or not an array"))?;
            roots.extend(things);
        }
        Value::Object(_) => {
            let children =
                listing_children(&document).ok_or_else(|| not_reddit("kind", "not a Listing"))?;
            roots.extend(children);
        }
        _ => {
            return Err(not_reddit(
                "",
                "expected an array of two Listings or an object",
            ));
        }
    }
    let mut walk = Walk {
        file,
        import: Import::default(),
        record: 0,
        submission_permalink: None,
    };
    // Depth-first, document order: parents come before their replies.
    let mut stack: Vec<&Value> = roots.into_iter().rev().collect();
    while let Some(thing) = stack.pop() {
        walk.record += 1;
        let replies = walk.thing(thing);
        stack.extend(replies.into_iter().rev());
    }
    Ok(walk.import)
}

/// The `children` of a `{"kind": "Listing", "data": {"children": [...]}}`.
fn listing_children(value: &Value) -> Option<&Vec<Value>> {
    if value.get("kind").and_then(Value::as_str) != Some("Listing") {
        return None;
    }
    value.pointer("/data/children").and_then(Value::as_array)
}

struct Walk<'a> {
    file: &'a Path,
    import: Import,
    /// 1-based number of the thing being read, in document order.
    record: u64,
    /// The submission's permalink, for comments that carry none (older responses).
    submission_permalink: Option<String>,
}

impl Walk<'_> {
    fn reject(&mut self, field: &str, reason: impl Into<String>) {
        self.import.rejected.push(self.rejection(field, reason));
    }

    fn rejection(&self, field: &str, reason: impl Into<String>) -> Rejected {
        Rejected {
            at: Location {
                file: self.file.to_path_buf(),
                line: None,
                record: Some(self.record),
                field: Some(field.to_string()),
            },
            reason: reason.into(),
        }
    }

    /// Reads one thing and returns its nested replies to walk next.
    fn thing<'v>(&mut self, thing: &'v Value) -> Vec<&'v Value> {
        let Some(kind) = thing.get("kind").and_then(Value::as_str) else {
            self.reject("kind", "missing or not a string");
            return Vec::new();
        };
        if kind == "Listing" {
            return listing_children(thing)
                .map(|c| c.iter().collect())
                .unwrap_or_default();
        }
        let Some(data) = thing.get("data").and_then(Value::as_object) else {
            self.reject("data", "missing or not an object");
            return Vec::new();
        };
        match kind {
            "t3" => {
                match self.submission(data) {
                    Ok(message) => self.import.items.push(IncomingItem::Message(message)),
                    Err(rejection) => self.import.rejected.push(rejection),
                }
                Vec::new()
            }
            "t1" => {
                match self.comment(data) {
                    Ok(message) => self.import.items.push(IncomingItem::Message(message)),
                    Err(rejection) => self.import.rejected.push(rejection),
                }
                match data.get("replies") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::String(s)) if s.is_empty() => Vec::new(),
                    Some(replies) => match listing_children(replies) {
                        Some(children) => children.iter().collect(),
                        None => {
                            self.reject("data.replies", "neither \"\" nor a Listing");
                            Vec::new()
                        }
                    },
                }
            }
            "more" => {
                if let Err(rejection) = self.more(data) {
                    self.import.rejected.push(rejection);
                }
                Vec::new()
            }
            other => {
                let reason = format!(
                    "unsupported kind {:?}",
                    other.chars().take(20).collect::<String>()
                );
                self.reject("kind", reason);
                Vec::new()
            }
        }
    }

    fn submission(&mut self, data: &Map<String, Value>) -> Result<IncomingMessage, Rejected> {
        let external_id = self.fullname(data, "t3")?;
        let title = self
            .string(data, "title")?
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let title = title
            .ok_or_else(|| self.rejection("data.title", "missing or empty"))?
            .to_string();
        let selftext = self.string(data, "selftext")?.unwrap_or("").trim();
        let url = self.string(data, "url")?.unwrap_or("");
        let is_self = self
            .boolean(data, "is_self")?
            .unwrap_or(!selftext.is_empty());
        let text = if selftext.is_empty() && !is_self {
            url.to_string()
        } else {
            selftext.to_string()
        };
        self.check_text(&text, "data.selftext")?;
        let permalink = self.permalink(data)?;
        self.submission_permalink.clone_from(&permalink);
        Ok(IncomingMessage {
            external_id,
            kind: MessageKind::ForumPost,
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: None,
            author: self.author(data)?,
            title: Some(title),
            text,
            lang: None,
            created_at: self.created(data)?,
            edited_at: self.edited(data)?,
            permalink,
            engagement: Engagement {
                likes: self.integer(data, "score")?.unwrap_or(0),
                replies: self.integer(data, "num_comments")?.unwrap_or(0),
                ..Engagement::default()
            },
            rating: None,
        })
    }

    fn comment(&self, data: &Map<String, Value>) -> Result<IncomingMessage, Rejected> {
        let external_id = self.fullname(data, "t1")?;
        let parent = self.string(data, "parent_id")?.filter(|p| !p.is_empty());
        let parent =
            parent.ok_or_else(|| self.rejection("data.parent_id", "missing required field"))?;
        let thread = self.string(data, "link_id")?.filter(|p| !p.is_empty());
        let thread =
            thread.ok_or_else(|| self.rejection("data.link_id", "missing required field"))?;
        let text = self.string(data, "body")?.map(str::trim);
        let text = text
            .ok_or_else(|| self.rejection("data.body", "missing required field"))?
            .to_string();
        if text.is_empty() {
            return Err(self.rejection("data.body", "no text"));
        }
        self.check_text(&text, "data.body")?;
        let permalink = match self.permalink(data)? {
            Some(link) => Some(link),
            None => {
                let id = external_id.trim_start_matches("t1_");
                self.submission_permalink
                    .as_ref()
                    .map(|p| format!("{}/{id}/", p.trim_end_matches('/')))
            }
        };
        Ok(IncomingMessage {
            external_id,
            kind: MessageKind::Comment,
            direction: Direction::Inbound,
            thread_external_id: Some(thread.to_string()),
            parent_external_id: Some(parent.to_string()),
            author: self.author(data)?,
            title: None,
            text,
            lang: None,
            created_at: self.created(data)?,
            edited_at: self.edited(data)?,
            permalink,
            engagement: Engagement {
                likes: self.integer(data, "score")?.unwrap_or(0),
                ..Engagement::default()
            },
            rating: None,
        })
    }

    fn more(&mut self, data: &Map<String, Value>) -> Result<(), Rejected> {
        let parent = self
            .string(data, "parent_id")?
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let children = match data.get("children") {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Array(children)) => children,
            Some(_) => return Err(self.rejection("data.children", "not an array")),
        };
        let mut stubs = Vec::with_capacity(children.len());
        for (i, child) in children.iter().enumerate() {
            let id = child.as_str().filter(|id| !id.is_empty()).ok_or_else(|| {
                self.rejection(&format!("data.children[{i}]"), "not a comment id")
            })?;
            let external_id = if id.starts_with("t1_") {
                id.to_string()
            } else {
                format!("t1_{id}")
            };
            stubs.push(IncomingItem::Missing(MissingItem {
                external_id,
                parent_external_id: parent.clone(),
            }));
        }
        self.import.items.extend(stubs);
        Ok(())
    }

    /// `name`, or `<prefix>_<id>`.
    fn fullname(&self, data: &Map<String, Value>, prefix: &str) -> Result<String, Rejected> {
        if let Some(name) = self.string(data, "name")?.filter(|n| !n.is_empty()) {
            return Ok(name.to_string());
        }
        match self.string(data, "id")?.filter(|id| !id.is_empty()) {
            Some(id) => Ok(format!("{prefix}_{id}")),
            None => Err(self.rejection("data.id", "missing required field (no `name` either)")),
        }
    }

    fn author(&self, data: &Map<String, Value>) -> Result<Option<IncomingAuthor>, Rejected> {
        let name = self.string(data, "author")?.map(str::trim);
        Ok(name
            .filter(|n| !n.is_empty() && *n != "[deleted]")
            .map(|name| IncomingAuthor {
                platform: ChannelKind::Reddit,
                external_id: name.to_string(),
                handle: name.to_string(),
                display_name: None,
                profile_url: Some(format!("https://www.reddit.com/user/{name}")),
                followers: None,
                verified: false,
                email: None,
            }))
    }

    fn permalink(&self, data: &Map<String, Value>) -> Result<Option<String>, Rejected> {
        Ok(self
            .string(data, "permalink")?
            .filter(|p| !p.is_empty())
            .map(|p| {
                if p.starts_with('/') {
                    format!("https://www.reddit.com{p}")
                } else {
                    p.to_string()
                }
            }))
    }

    fn created(&self, data: &Map<String, Value>) -> Result<Timestamp, Rejected> {
        let seconds = self.number(data, "created_utc")?;
        let seconds =
            seconds.ok_or_else(|| self.rejection("data.created_utc", "missing required field"))?;
        epoch(seconds)
            .ok_or_else(|| self.rejection("data.created_utc", format!("not a time: {seconds}")))
    }

    fn edited(&self, data: &Map<String, Value>) -> Result<Option<Timestamp>, Rejected> {
        match data.get("edited") {
            None | Some(Value::Null) | Some(Value::Bool(_)) => Ok(None),
            Some(Value::Number(n)) => {
                let seconds = n.as_f64().unwrap_or(f64::NAN);
                epoch(seconds)
                    .map(Some)
                    .ok_or_else(|| self.rejection("data.edited", format!("not a time: {n}")))
            }
            Some(_) => Err(self.rejection("data.edited", "neither false nor epoch seconds")),
        }
    }

    fn check_text(&self, text: &str, field: &str) -> Result<(), Rejected> {
        if text.len() > MAX_TEXT_BYTES {
            return Err(self.rejection(
                field,
                format!("text is {} bytes; at most {MAX_TEXT_BYTES}", text.len()),
            ));
        }
        Ok(())
    }

    fn string<'v>(
        &self,
        data: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Option<&'v str>, Rejected> {
        match data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.rejection(&format!("data.{key}"), "not a string")),
        }
    }

    fn boolean(&self, data: &Map<String, Value>, key: &str) -> Result<Option<bool>, Rejected> {
        match data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.rejection(&format!("data.{key}"), "not a boolean")),
        }
    }

    fn number(&self, data: &Map<String, Value>, key: &str) -> Result<Option<f64>, Rejected> {
        match data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => Err(self.rejection(&format!("data.{key}"), "not a number")),
        }
    }

    fn integer(&self, data: &Map<String, Value>, key: &str) -> Result<Option<i64>, Rejected> {
        match data.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(self.rejection(&format!("data.{key}"), format!("not an integer: {n}"))),
            },
            Some(_) => Err(self.rejection(&format!("data.{key}"), "not a number")),
        }
    }
}

/// Float epoch seconds as a timestamp (millisecond precision); `None` out of range.
fn epoch(seconds: f64) -> Option<Timestamp> {
    if !seconds.is_finite() || seconds.abs() > 1e12 {
        return None;
    }
    Timestamp::from_millisecond((seconds * 1000.0).round() as i64).ok()
}
