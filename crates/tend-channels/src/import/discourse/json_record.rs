//! Shared by the Discourse, Mastodon and X archive importers: reading an export
//! within the size limit, parsing JSON with errors that name line and column, and
//! reading typed fields of one record so that a missing or mistyped field becomes a
//! `Rejected` naming the record and the field. It lives under `discourse` only
//! because one module had to own it; the lead may move it beside `import/mod.rs`.

use crate::import::{ImportError, Location, MAX_FILE_BYTES, MAX_TEXT_BYTES, Rejected};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tend_domain::{ChannelId, IncomingMessage, NewMessage, message::MAX_EXTERNAL_ID_BYTES};

/// Reads `path` whole, refusing files over [`MAX_FILE_BYTES`] before reading.
pub(in crate::import) fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    let meta = std::fs::metadata(path)
        .map_err(|err| file_error(path, format!("cannot read the file: {err}")))?;
    if !meta.is_file() {
        return Err(file_error(path, "is not a regular file".to_string()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(file_error(
            path,
            format!("is {} bytes; at most {MAX_FILE_BYTES} are read", meta.len()),
        ));
    }
    std::fs::read(path).map_err(|err| file_error(path, format!("cannot read the file: {err}")))
}

/// An error about the file as a whole.
pub(in crate::import) fn file_error(path: &Path, message: String) -> ImportError {
    ImportError {
        at: location(path, None, None),
        message,
    }
}

/// A location in `file`.
pub(in crate::import) fn location(
    file: &Path,
    record: Option<u64>,
    field: Option<&str>,
) -> Location {
    Location {
        file: file.to_path_buf(),
        line: None,
        record,
        field: field.map(str::to_string),
    }
}

/// Parses `bytes` as one JSON document. `line_offset` is added to serde's line for
/// callers that stripped a prefix spanning lines. A syntax error names the line and
/// column, and says "truncated" when the input ends early.
pub(in crate::import) fn parse_json(
    file: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<Value, ImportError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(file_error(
            file,
            format!(
                "is {} bytes; at most {MAX_FILE_BYTES} are read",
                bytes.len()
            ),
        ));
    }
    serde_json::from_slice(bytes).map_err(|err| {
        let kind = match err.classify() {
            serde_json::error::Category::Eof => "truncated JSON (the input ends early)",
            serde_json::error::Category::Io => "unreadable input",
            serde_json::error::Category::Syntax | serde_json::error::Category::Data => {
                "invalid JSON"
            }
        };
        ImportError {
            at: Location {
                file: file.to_path_buf(),
                line: Some(err.line() as u64),
                record: None,
                field: None,
            },
            message: format!("not a {what}: {kind} at column {}: {err}", err.column()),
        }
    })
}

/// The JSON type name of `value`, for messages.
pub(in crate::import) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One JSON object of an export (a post, a status, a tweet) with where it is, so
/// that every field read names the record and the field when it fails.
#[derive(Debug, Clone)]
pub(in crate::import) struct Record<'a> {
    file: &'a Path,
    record: u64,
    prefix: String,
    obj: &'a Map<String, Value>,
}

impl<'a> Record<'a> {
    /// Wraps `value` (record `record`, 1-based) whose fields are named with `prefix`
    /// (e.g. `tweet`); a value that is not an object is refused.
    pub(in crate::import) fn new(
        file: &'a Path,
        record: u64,
        prefix: &str,
        value: &'a Value,
    ) -> Result<Record<'a>, Rejected> {
        match value.as_object() {
            Some(obj) => Ok(Record {
                file,
                record,
                prefix: prefix.to_string(),
                obj,
            }),
            None => Err(Rejected {
                at: location(file, Some(record), (!prefix.is_empty()).then_some(prefix)),
                reason: format!("expected an object, found {}", type_name(value)),
            }),
        }
    }

    /// The record number.
    pub(in crate::import) fn number(&self) -> u64 {
        self.record
    }

    /// The file the record is in.
    pub(in crate::import) fn file(&self) -> &'a Path {
        self.file
    }

    /// The full name of `key` in this record.
    pub(in crate::import) fn field_name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// A refusal naming `key`.
    pub(in crate::import) fn reject(&self, key: &str, reason: impl Into<String>) -> Rejected {
        Rejected {
            // Record 0 is the file's top-level object.
            at: location(
                self.file,
                Some(self.record).filter(|record| *record > 0),
                Some(&self.field_name(key)),
            ),
            reason: reason.into(),
        }
    }

    /// The value of `key`, `None` when absent or null.
    pub(in crate::import) fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|value| !value.is_null())
    }

    fn missing(&self, key: &str) -> Rejected {
        self.reject(key, "missing required field")
    }

    fn mistyped(&self, key: &str, expected: &str, found: &Value) -> Rejected {
        self.reject(
            key,
            format!("expected {expected}, found {}", type_name(found)),
        )
    }

    /// A nested object, `None` when absent or null.
    pub(in crate::import) fn opt_object(&self, key: &str) -> Result<Option<Record<'a>>, Rejected> {
        match self.get(key) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => {
                Record::new(self.file, self.record, &self.field_name(key), value).map(Some)
            }
            Some(other) => Err(self.mistyped(key, "an object", other)),
        }
    }

    /// An array, empty when absent or null.
    pub(in crate::import) fn array(&self, key: &str) -> Result<&'a [Value], Rejected> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.mistyped(key, "an array", other)),
        }
    }

    /// A required string.
    pub(in crate::import) fn string(&self, key: &str) -> Result<&'a str, Rejected> {
        self.opt_string(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional string.
    pub(in crate::import) fn opt_string(&self, key: &str) -> Result<Option<&'a str>, Rejected> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.mistyped(key, "a string", other)),
        }
    }

    /// An optional non-empty string after trimming; empty counts as absent.
    pub(in crate::import) fn opt_nonempty(&self, key: &str) -> Result<Option<&'a str>, Rejected> {
        Ok(self
            .opt_string(key)?
            .map(str::trim)
            .filter(|text| !text.is_empty()))
    }

    /// A required id: a non-empty string or an integer, as a string.
    pub(in crate::import) fn id(&self, key: &str) -> Result<String, Rejected> {
        self.opt_id(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional id: a non-empty string or an integer, as a string.
    pub(in crate::import) fn opt_id(&self, key: &str) -> Result<Option<String>, Rejected> {
        let id = match self.get(key) {
            None => return Ok(None),
            Some(Value::String(text)) => text.trim().to_string(),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
            Some(other) => return Err(self.mistyped(key, "an id (string or integer)", other)),
        };
        if id.is_empty() {
            return Err(self.reject(key, "is empty"));
        }
        if id.len() > MAX_EXTERNAL_ID_BYTES / 2 {
            return Err(self.reject(
                key,
                format!(
                    "is {} bytes; ids are at most {}",
                    id.len(),
                    MAX_EXTERNAL_ID_BYTES / 2
                ),
            ));
        }
        Ok(Some(id))
    }

    /// An optional non-negative count: an integer, or a string of digits (X archives
    /// write counts as strings).
    pub(in crate::import) fn opt_count(&self, key: &str) -> Result<Option<i64>, Rejected> {
        let value = match self.get(key) {
            None => return Ok(None),
            Some(value) => value,
        };
        let count = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        match count {
            Some(n) if n >= 0 => Ok(Some(n)),
            Some(n) => Err(self.reject(key, format!("is {n}; a count cannot be negative"))),
            None => Err(self.mistyped(key, "a non-negative integer", value)),
        }
    }

    /// A count that defaults to 0.
    pub(in crate::import) fn count(&self, key: &str) -> Result<i64, Rejected> {
        Ok(self.opt_count(key)?.unwrap_or(0))
    }

    /// An optional boolean.
    pub(in crate::import) fn opt_bool(&self, key: &str) -> Result<Option<bool>, Rejected> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(self.mistyped(key, "a boolean", other)),
        }
    }

    /// A required RFC 3339 timestamp (`2019-12-08T03:48:33.901Z`, any offset).
    pub(in crate::import) fn timestamp(&self, key: &str) -> Result<Timestamp, Rejected> {
        self.opt_timestamp(key)?.ok_or_else(|| self.missing(key))
    }

    /// An optional RFC 3339 timestamp.
    pub(in crate::import) fn opt_timestamp(
        &self,
        key: &str,
    ) -> Result<Option<Timestamp>, Rejected> {
        match self.opt_string(key)? {
            None => Ok(None),
            Some(text) => {
                text.trim().parse::<Timestamp>().map(Some).map_err(|err| {
                    self.reject(key, format!("not an RFC 3339 time ({text:?}): {err}"))
                })
            }
        }
    }
}

/// Checks `message` against the limits every stored message obeys (the domain's
/// `NewMessage::validate`, plus the lengths of the link ids and the author), so a
/// bad record is refused here with its location rather than failing the batch.
/// `text_field` is the input's name for the body (`cooked`, `content`, `full_text`).
pub(in crate::import) fn check_message(
    record: &Record<'_>,
    message: &IncomingMessage,
    text_field: &str,
) -> Result<(), Rejected> {
    let mut new = NewMessage::new(
        ChannelId(0),
        message.external_id.clone(),
        message.kind,
        message.text.clone(),
        message.created_at,
    );
    new.direction = message.direction;
    new.title = message.title.clone();
    new.parent_external_id = message.parent_external_id.clone();
    new.thread_external_id = message.thread_external_id.clone();
    new.engagement = message.engagement;
    new.validate().map_err(|err| {
        let field = if err.field == "text" {
            text_field
        } else {
            err.field
        };
        record.reject(field, err.message)
    })?;
    if message.text.trim().is_empty() && message.title.is_none() {
        return Err(record.reject(
            text_field,
            "no text and no title (only media, or empty); nothing to import",
        ));
    }
    if message
        .title
        .as_ref()
        .is_some_and(|title| title.len() > MAX_TEXT_BYTES)
    {
        return Err(record.reject("title", format!("longer than {MAX_TEXT_BYTES} bytes")));
    }
    for (field, id) in [
        ("parent_external_id", &message.parent_external_id),
        ("thread_external_id", &message.thread_external_id),
    ] {
        if id
            .as_ref()
            .is_some_and(|id| id.is_empty() || id.len() > MAX_EXTERNAL_ID_BYTES)
        {
            return Err(record.reject(field, format!("must be 1-{MAX_EXTERNAL_ID_BYTES} bytes")));
        }
    }
    if let Some(author) = &message.author
        && (author.external_id.is_empty()
            || author.external_id.len() > MAX_EXTERNAL_ID_BYTES
            || author.handle.len() > MAX_EXTERNAL_ID_BYTES)
    {
        return Err(record.reject(
            "author",
            format!("id and handle must be 1-{MAX_EXTERNAL_ID_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Keeps `code` when it is a two-letter ISO 639-1 code (lowercased); platforms also
/// report `und`, `qme`, three-letter codes and region tags, which Tend does not store.
pub(in crate::import) fn iso_639_1(code: Option<&str>) -> Option<String> {
    let code = code?.trim();
    let base = code.split(['-', '_']).next().unwrap_or(code);
    (base.len() == 2 && base.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| base.to_ascii_lowercase())
}

/// The thread root of every id in `parents` (id → its parent, `None` for a root)
/// whose chain of parents ends at a root inside the same input; ids whose chain
/// leaves the input or loops have none. Linear: every id is walked once.
pub(in crate::import) fn thread_roots(
    parents: &HashMap<String, Option<String>>,
) -> HashMap<String, String> {
    let mut memo: HashMap<&str, Option<&str>> = HashMap::with_capacity(parents.len());
    for start in parents.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut on_path: HashSet<&str> = HashSet::new();
        let mut current: &str = start;
        let root = loop {
            if let Some(known) = memo.get(current) {
                break *known;
            }
            match parents.get(current) {
                None => break None,
                Some(None) => break Some(current),
                Some(Some(up)) => {
                    if !on_path.insert(current) {
                        break None;
                    }
                    path.push(current);
                    current = up;
                }
            }
        };
        for id in path {
            memo.insert(id, root);
        }
    }
    memo.into_iter()
        .filter_map(|(id, root)| Some((id.to_string(), root?.to_string())))
        .collect()
}

/// Sorts messages by creation time, keeping file order among equal times, so that
/// parents come before their replies; non-message items keep their place first.
pub(in crate::import) fn parents_first(items: &mut [tend_domain::IncomingItem]) {
    items.sort_by_key(|item| match item {
        tend_domain::IncomingItem::Message(message) => Some(message.created_at),
        _ => None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_read_with_their_types_and_refused_with_their_names() {
        let value = json!({"id": 7, "n": "12", "neg": -1, "s": 3, "t": "2019-12-08T03:48:33.901Z",
                           "inner": {"x": "y"}, "bad_time": "yesterday"});
        let file = Path::new("f.json");
        let record = Record::new(file, 3, "tweet", &value).unwrap();
        assert_eq!(record.id("id").unwrap(), "7");
        assert_eq!(record.count("n").unwrap(), 12);
        assert_eq!(record.count("absent").unwrap(), 0);
        let neg = record.count("neg").unwrap_err();
        assert_eq!(neg.at.field.as_deref(), Some("tweet.neg"));
        assert_eq!(neg.at.record, Some(3));
        assert!(
            record
                .string("s")
                .unwrap_err()
                .reason
                .contains("found a number")
        );
        assert!(
            record
                .string("absent")
                .unwrap_err()
                .reason
                .contains("missing")
        );
        assert_eq!(
            record.timestamp("t").unwrap().as_millisecond(),
            1_575_776_913_901
        );
        assert!(
            record
                .timestamp("bad_time")
                .unwrap_err()
                .reason
                .contains("RFC 3339")
        );
        let inner = record.opt_object("inner").unwrap().unwrap();
        assert_eq!(
            inner.reject("x", "no").at.field.as_deref(),
            Some("tweet.inner.x")
        );
    }

    #[test]
    fn truncated_json_says_so_with_the_line() {
        let err = parse_json(Path::new("f.json"), b"[\n{\"a\": ", "test file").unwrap_err();
        assert!(err.message.contains("truncated"), "{}", err.message);
        assert_eq!(err.at.line, Some(2));
    }

    #[test]
    fn thread_roots_follow_chains_inside_the_input_only() {
        let parents: HashMap<String, Option<String>> = [
            ("root", None),
            ("a", Some("root")),
            ("b", Some("a")),
            ("orphan", Some("elsewhere")),
            ("x", Some("y")),
            ("y", Some("x")),
        ]
        .into_iter()
        .map(|(id, parent)| (id.to_string(), parent.map(str::to_string)))
        .collect();
        let roots = thread_roots(&parents);
        assert_eq!(roots.get("b").map(String::as_str), Some("root"));
        assert_eq!(roots.get("a").map(String::as_str), Some("root"));
        assert_eq!(roots.get("orphan"), None);
        assert_eq!(roots.get("x"), None);
    }

    #[test]
    fn a_long_reply_chain_is_resolved_in_linear_time() {
        let n = 100_000;
        let parents: HashMap<String, Option<String>> = (0..n)
            .map(|i| (i.to_string(), (i > 0).then(|| (i - 1).to_string())))
            .collect();
        let roots = thread_roots(&parents);
        assert_eq!(
            roots.get(&(n - 1).to_string()).map(String::as_str),
            Some("0")
        );
    }

    #[test]
    fn only_two_letter_languages_are_kept() {
        assert_eq!(iso_639_1(Some("sv")), Some("sv".into()));
        assert_eq!(iso_639_1(Some("en-GB")), Some("en".into()));
        assert_eq!(iso_639_1(Some("und")), None);
        assert_eq!(iso_639_1(None), None);
    }
}
