//! The generic record schema shared by the NDJSON and CSV importers: one record is
//! one message, described by flat fields with the same names in both formats
//! (`docs/import-format.md` is the user-facing description). The formats only
//! turn their bytes into [`Fields`]; everything about meaning — which fields are
//! required, how timestamps and counts are read, what is refused — lives here, so
//! equivalent NDJSON and CSV input gives identical items.

use std::collections::BTreeMap;

use jiff::Timestamp;
use tend_domain::message::MAX_EXTERNAL_ID_BYTES;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind, Rating,
};

use crate::import::MAX_TEXT_BYTES;

/// Every field name the schema knows, in the order they are documented.
pub const FIELDS: [&str; 24] = [
    "id",
    "text",
    "created_at",
    "kind",
    "direction",
    "thread_id",
    "parent_id",
    "title",
    "lang",
    "edited_at",
    "url",
    "likes",
    "shares",
    "replies",
    "views",
    "rating",
    "author_id",
    "author_handle",
    "author_name",
    "author_url",
    "author_followers",
    "author_verified",
    "author_email",
    "platform",
];

/// Longest value accepted for a field other than `text` and the ids (bytes).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Integer timestamps below this magnitude are Unix seconds, at or above it Unix
/// milliseconds. 10^11 seconds is the year 5138; 10^11 milliseconds is 1973-03-03,
/// so only millisecond values before March 1973 are misread.
pub const SECONDS_MILLIS_CUTOFF: i64 = 100_000_000_000;

/// What an import noticed without refusing anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Field names the schema does not know, with how many records carried them.
    /// They are ignored; listing them once lets a user spot a typo such as `txt`.
    pub unknown_fields: BTreeMap<String, u64>,
}

/// One value as a format delivered it. CSV only ever produces `Text`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A string (every CSV cell, JSON strings).
    Text(String),
    /// A JSON integer.
    Integer(i128),
    /// A JSON number with a fraction or exponent.
    Float(f64),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON array or object where a scalar belongs; the name says which.
    Structured(&'static str),
}

/// The fields of one record by name. Absent, `null` and empty values are not stored.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    values: BTreeMap<String, Value>,
}

/// Why one record is refused: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub(crate) fn new(field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

impl Fields {
    /// Stores a value unless it is an empty string (empty means absent, so a CSV
    /// cell and a missing JSON key mean the same). Returns false if the name was
    /// already set.
    pub(crate) fn insert(&mut self, name: &str, value: Value) -> bool {
        if matches!(&value, Value::Text(s) if s.is_empty()) {
            return !self.values.contains_key(name);
        }
        self.values.insert(name.to_owned(), value).is_none()
    }

    /// Whether a value is present.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// Whether `name` is a field of the schema.
pub(crate) fn is_known(name: &str) -> bool {
    FIELDS.contains(&name)
}

/// Counts the names of `fields` the schema does not know into `report`.
pub(crate) fn note_unknown<'a>(report: &mut Report, names: impl Iterator<Item = &'a str>) {
    for name in names {
        if !is_known(name) {
            *report.unknown_fields.entry(name.to_owned()).or_insert(0) += 1;
        }
    }
}

/// Turns one record into a message, or says which field is wrong. Fields are
/// checked in documented order, so the reported problem is always the first one.
pub(crate) fn to_message(fields: &Fields) -> Result<IncomingMessage, FieldError> {
    let external_id = id_field(fields, "id")?.ok_or_else(|| missing("id"))?;
    let text = string_field(fields, "text", MAX_TEXT_BYTES)?;
    let created_at = timestamp_field(fields, "created_at")?.ok_or_else(|| missing("created_at"))?;
    let kind = match trimmed(fields, "kind")? {
        Some(s) => MessageKind::parse(&s.to_ascii_lowercase()).map_err(|_| {
            FieldError::new(
                "kind",
                format!(
                    "unknown kind {s:?}; expected mention, comment, reply, direct_message, \
                     review, forum_post or post"
                ),
            )
        })?,
        None => MessageKind::Comment,
    };
    let direction = match trimmed(fields, "direction")? {
        Some(s) => Direction::parse(&s.to_ascii_lowercase()).map_err(|_| {
            FieldError::new(
                "direction",
                format!("unknown direction {s:?}; expected inbound or outbound"),
            )
        })?,
        None => kind.default_direction(),
    };
    let thread_id = id_field(fields, "thread_id")?;
    let parent_id = id_field(fields, "parent_id")?;
    if parent_id.as_deref() == Some(external_id.as_str()) {
        return Err(FieldError::new(
            "parent_id",
            "a message cannot be its own parent",
        ));
    }
    let title = string_field(fields, "title", MAX_FIELD_BYTES)?;
    let text = match (text, &title) {
        (Some(text), _) => text,
        (None, Some(_)) => String::new(),
        (None, None) => return Err(FieldError::new("text", "required unless `title` is given")),
    };
    let lang = lang_field(fields)?;
    let edited_at = timestamp_field(fields, "edited_at")?;
    let permalink = url_field(fields, "url")?;
    let engagement = Engagement {
        likes: count_field(fields, "likes")?.unwrap_or(0),
        shares: count_field(fields, "shares")?.unwrap_or(0),
        replies: count_field(fields, "replies")?.unwrap_or(0),
        views: count_field(fields, "views")?.unwrap_or(0),
    };
    let rating = rating_field(fields)?;
    let author = author(fields)?;
    Ok(IncomingMessage {
        // A message that names itself as the root is the root.
        thread_external_id: thread_id.filter(|t| *t != external_id),
        external_id,
        kind,
        direction,
        parent_external_id: parent_id,
        author,
        title,
        text,
        lang,
        created_at,
        edited_at,
        permalink,
        engagement,
        rating,
    })
}

fn author(fields: &Fields) -> Result<Option<IncomingAuthor>, FieldError> {
    let id = id_field(fields, "author_id")?;
    let handle = match trimmed(fields, "author_handle")? {
        Some(h) => {
            let h = h.strip_prefix('@').unwrap_or(h);
            check_len("author_handle", h, MAX_EXTERNAL_ID_BYTES)?;
            if h.is_empty() {
                return Err(FieldError::new("author_handle", "is only `@`"));
            }
            Some(h.to_owned())
        }
        None => None,
    };
    let display_name = trimmed(fields, "author_name")?.map(str::to_owned);
    let profile_url = url_field(fields, "author_url")?;
    let followers = count_field(fields, "author_followers")?;
    let verified = bool_field(fields, "author_verified")?;
    let email = match trimmed(fields, "author_email")? {
        Some(e) => {
            if e.len() > 254 || !e.contains('@') || e.contains(char::is_whitespace) {
                return Err(FieldError::new(
                    "author_email",
                    format!("{:?} is not an e-mail address", clip(e)),
                ));
            }
            Some(e.to_owned())
        }
        None => None,
    };
    let platform = match trimmed(fields, "platform")? {
        Some(p) => ChannelKind::parse(p).map_err(|_| {
            FieldError::new(
                "platform",
                format!(
                    "unknown platform {:?}; see the list in docs/import-format.md",
                    clip(p)
                ),
            )
        })?,
        None => ChannelKind::Other,
    };
    let (external_id, handle) = match (id, handle) {
        (Some(id), Some(handle)) => (id, handle),
        (Some(id), None) => (id.clone(), id),
        (None, Some(handle)) => (handle.clone(), handle),
        (None, None) => {
            let given = [
                "author_name",
                "author_url",
                "author_followers",
                "author_verified",
                "author_email",
            ]
            .into_iter()
            .find(|f| fields.contains(f));
            return match given {
                Some(f) => Err(FieldError::new(
                    "author_id",
                    format!("`{f}` is given but neither `author_id` nor `author_handle`"),
                )),
                None => Ok(None),
            };
        }
    };
    Ok(Some(IncomingAuthor {
        platform,
        external_id,
        handle,
        display_name,
        profile_url,
        followers,
        verified: verified.unwrap_or(false),
        email,
    }))
}

fn missing(field: &str) -> FieldError {
    FieldError::new(field, "required")
}

/// Shows at most 64 bytes of a bad value in a message.
fn clip(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

fn check_len(field: &str, s: &str, max: usize) -> Result<(), FieldError> {
    if s.len() > max {
        return Err(FieldError::new(
            field,
            format!("is {} bytes; at most {max}", s.len()),
        ));
    }
    if s.contains('\0') {
        return Err(FieldError::new(field, "contains a NUL character"));
    }
    Ok(())
}

fn type_error(field: &str, value: &Value, expected: &str) -> FieldError {
    let got = match value {
        Value::Text(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number with a fraction",
        Value::Bool(_) => "a boolean",
        Value::Structured(what) => what,
    };
    FieldError::new(field, format!("must be {expected}, not {got}"))
}

/// A text field, untrimmed (text and title keep their whitespace). Whitespace-only
/// counts as absent.
fn string_field(fields: &Fields, field: &str, max: usize) -> Result<Option<String>, FieldError> {
    match fields.get(field) {
        None => Ok(None),
        Some(Value::Text(s)) => {
            check_len(field, s, max)?;
            Ok((!s.trim().is_empty()).then(|| s.clone()))
        }
        Some(other) => Err(type_error(field, other, "a string")),
    }
}

/// A short string field, trimmed; whitespace-only counts as absent.
fn trimmed<'a>(fields: &'a Fields, field: &str) -> Result<Option<&'a str>, FieldError> {
    match fields.get(field) {
        None => Ok(None),
        Some(Value::Text(s)) => {
            check_len(field, s, MAX_FIELD_BYTES)?;
            let s = s.trim();
            Ok((!s.is_empty()).then_some(s))
        }
        Some(other) => Err(type_error(field, other, "a string")),
    }
}

/// An id: a string, or a JSON integer (Discord and X ids are often numbers).
fn id_field(fields: &Fields, field: &str) -> Result<Option<String>, FieldError> {
    match fields.get(field) {
        None => Ok(None),
        Some(Value::Integer(n)) => Ok(Some(n.to_string())),
        Some(Value::Text(s)) => {
            let s = s.trim();
            check_len(field, s, MAX_EXTERNAL_ID_BYTES)?;
            Ok((!s.is_empty()).then(|| s.to_owned()))
        }
        Some(other) => Err(type_error(field, other, "a string or an integer")),
    }
}

fn integer_text(s: &str) -> Option<Result<i128, ()>> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i128>().map_err(|_| ()))
}

/// A timestamp: RFC 3339 text with an offset, or Unix seconds / milliseconds as an
/// integer (JSON number or digits in a string).
fn timestamp_field(fields: &Fields, field: &str) -> Result<Option<Timestamp>, FieldError> {
    let out_of_range = || FieldError::new(field, "is out of the supported time range");
    let unix = |n: i128| -> Result<Timestamp, FieldError> {
        let n = i64::try_from(n).map_err(|_| out_of_range())?;
        let at = if n.unsigned_abs() < SECONDS_MILLIS_CUTOFF.unsigned_abs() {
            Timestamp::from_second(n)
        } else {
            Timestamp::from_millisecond(n)
        };
        at.map_err(|_| out_of_range())
    };
    match fields.get(field) {
        None => Ok(None),
        Some(Value::Integer(n)) => unix(*n).map(Some),
        Some(Value::Text(s)) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            check_len(field, s, 256)?;
            match integer_text(s) {
                Some(Ok(n)) => unix(n).map(Some),
                Some(Err(())) => Err(out_of_range()),
                None => s.parse::<Timestamp>().map(Some).map_err(|_| {
                    FieldError::new(
                        field,
                        format!(
                            "{:?} is not an RFC 3339 timestamp with an offset \
                             (e.g. 2024-05-01T12:30:00Z) nor Unix seconds or milliseconds",
                            clip(s)
                        ),
                    )
                }),
            }
        }
        Some(other) => Err(type_error(
            field,
            other,
            "an RFC 3339 string or integer Unix seconds or milliseconds",
        )),
    }
}

/// A non-negative integer count.
fn count_field(fields: &Fields, field: &str) -> Result<Option<i64>, FieldError> {
    let n = match fields.get(field) {
        None => return Ok(None),
        Some(Value::Integer(n)) => *n,
        Some(Value::Text(s)) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match integer_text(s) {
                Some(Ok(n)) => n,
                Some(Err(())) => i128::MAX,
                None => {
                    return Err(FieldError::new(
                        field,
                        format!("{:?} is not a whole number", clip(s)),
                    ));
                }
            }
        }
        Some(other) => return Err(type_error(field, other, "a whole number")),
    };
    if n < 0 {
        return Err(FieldError::new(
            field,
            format!("is {n}; counts cannot be negative"),
        ));
    }
    i64::try_from(n)
        .map(Some)
        .map_err(|_| FieldError::new(field, "is too large"))
}

fn bool_field(fields: &Fields, field: &str) -> Result<Option<bool>, FieldError> {
    let bad = |shown: &str| {
        FieldError::new(
            field,
            format!("{:?} is not true/false, yes/no or 1/0", clip(shown)),
        )
    };
    match fields.get(field) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Integer(0)) => Ok(Some(false)),
        Some(Value::Integer(1)) => Ok(Some(true)),
        Some(Value::Integer(n)) => Err(bad(&n.to_string())),
        Some(Value::Text(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "true" | "yes" | "1" => Ok(Some(true)),
            "false" | "no" | "0" => Ok(Some(false)),
            _ => Err(bad(s)),
        },
        Some(other) => Err(type_error(field, other, "a boolean")),
    }
}

/// A language: an ISO 639-1 code, optionally with a region (`en-US`, `pt_BR`), kept
/// as the lowercase two-letter code.
fn lang_field(fields: &Fields) -> Result<Option<String>, FieldError> {
    let Some(s) = trimmed(fields, "lang")? else {
        return Ok(None);
    };
    let primary = s.split(['-', '_']).next().unwrap_or("");
    if primary.len() != 2 || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(FieldError::new(
            "lang",
            format!(
                "{:?} is not an ISO 639-1 code such as `en` or `pt-BR`",
                clip(s)
            ),
        ));
    }
    Ok(Some(primary.to_ascii_lowercase()))
}

/// A link: only `http` and `https` are accepted, since links are shown to the team
/// as clickable (`javascript:` must never get through).
fn url_field(fields: &Fields, field: &str) -> Result<Option<String>, FieldError> {
    let Some(s) = trimmed(fields, field)? else {
        return Ok(None);
    };
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://"))
        || s.contains(char::is_whitespace)
    {
        return Err(FieldError::new(
            field,
            format!("{:?} is not an http:// or https:// link", clip(s)),
        ));
    }
    Ok(Some(s.to_owned()))
}

/// A star rating from 1 to 5; halves and other fractions are allowed, kept to a
/// tenth of a star.
fn rating_field(fields: &Fields) -> Result<Option<Rating>, FieldError> {
    let field = "rating";
    let rated = match fields.get(field) {
        None => return Ok(None),
        Some(Value::Integer(n)) => match i64::try_from(*n) {
            Ok(n) if (1..=5).contains(&n) => Rating::from_tenths(n * 10),
            _ => Rating::from_stars(f64::NAN),
        },
        Some(Value::Float(f)) => Rating::from_stars(*f),
        Some(Value::Text(s)) => {
            if s.trim().is_empty() {
                return Ok(None);
            }
            Rating::parse(s)
        }
        Some(other) => return Err(type_error(field, other, "a number from 1 to 5")),
    };
    rated.map(Some).map_err(|_| {
        let shown = match fields.get(field) {
            Some(Value::Text(s)) => format!("{:?}", clip(s.trim())),
            Some(Value::Integer(n)) => n.to_string(),
            Some(Value::Float(f)) => f.to_string(),
            _ => String::new(),
        };
        FieldError::new(
            field,
            format!("is {shown}; ratings are numbers from 1 to 5"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, Value)]) -> Fields {
        let mut f = Fields::default();
        for (k, v) in pairs {
            f.insert(k, v.clone());
        }
        f
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn base() -> Vec<(&'static str, Value)> {
        vec![
            ("id", text("1")),
            ("text", text("hi")),
            ("created_at", text("2024-05-01T12:00:00Z")),
        ]
    }

    fn with(extra: (&'static str, Value)) -> Result<IncomingMessage, FieldError> {
        let mut pairs = base();
        pairs.retain(|(k, _)| *k != extra.0);
        pairs.push(extra);
        to_message(&fields(&pairs))
    }

    #[test]
    fn integer_timestamps_below_the_cutoff_are_seconds_and_above_are_milliseconds() {
        let secs = with(("created_at", Value::Integer(1_714_564_800))).unwrap();
        let millis = with(("created_at", text("1714564800000"))).unwrap();
        assert_eq!(secs.created_at, millis.created_at);
        assert_eq!(secs.created_at.to_string(), "2024-05-01T12:00:00Z");
        let last_second = with((
            "created_at",
            Value::Integer(i128::from(SECONDS_MILLIS_CUTOFF - 1)),
        ))
        .unwrap();
        assert_eq!(
            last_second.created_at.as_second(),
            SECONDS_MILLIS_CUTOFF - 1
        );
        let first_milli = with((
            "created_at",
            Value::Integer(i128::from(SECONDS_MILLIS_CUTOFF)),
        ))
        .unwrap();
        assert_eq!(
            first_milli.created_at.as_millisecond(),
            SECONDS_MILLIS_CUTOFF
        );
    }

    #[test]
    fn timestamps_without_an_offset_are_refused() {
        let err = with(("created_at", text("2024-05-01T12:00:00"))).unwrap_err();
        assert_eq!(err.field, "created_at");
        let err = with(("created_at", Value::Float(1.5))).unwrap_err();
        assert!(
            err.reason.contains("not a number with a fraction"),
            "{err:?}"
        );
        let err = with(("created_at", text("99999999999999999999999"))).unwrap_err();
        assert!(err.reason.contains("time range"), "{err:?}");
    }

    #[test]
    fn counts_must_be_whole_and_not_negative() {
        assert_eq!(with(("likes", text(" 12 "))).unwrap().engagement.likes, 12);
        assert_eq!(with(("likes", text("-1"))).unwrap_err().field, "likes");
        assert_eq!(with(("views", text("1.5"))).unwrap_err().field, "views");
        assert_eq!(
            with(("views", Value::Float(2.0))).unwrap_err().field,
            "views"
        );
        assert_eq!(
            with(("shares", text("9223372036854775808")))
                .unwrap_err()
                .reason,
            "is too large"
        );
    }

    #[test]
    fn booleans_accept_the_spreadsheet_spellings() {
        for (s, want) in [
            ("TRUE", true),
            ("yes", true),
            ("1", true),
            ("False", false),
            ("no", false),
            ("0", false),
        ] {
            let m = with(("author_verified", text(s)));
            // author_verified without an author is refused; give one.
            assert!(m.is_err());
            let mut pairs = base();
            pairs.push(("author_id", text("u")));
            pairs.push(("author_verified", text(s)));
            let m = to_message(&fields(&pairs)).unwrap();
            assert_eq!(m.author.unwrap().verified, want, "{s}");
        }
    }

    #[test]
    fn ratings_are_checked_and_kept_to_a_tenth_of_a_star() {
        let stars = |v: Value| with(("rating", v)).unwrap().rating.map(Rating::tenths);
        assert_eq!(stars(text("4.5")), Some(45));
        assert_eq!(stars(text(" 3 ")), Some(30));
        assert_eq!(stars(Value::Integer(5)), Some(50));
        assert_eq!(stars(Value::Float(1.0)), Some(10));
        assert_eq!(stars(Value::Float(4.25)), Some(43));
        assert_eq!(with(("text", text("x"))).unwrap().rating, None);
        assert_eq!(
            with(("rating", Value::Integer(6))).unwrap_err().field,
            "rating"
        );
        assert_eq!(
            with(("rating", Value::Float(0.5))).unwrap_err().field,
            "rating"
        );
        assert_eq!(with(("rating", text("4,5"))).unwrap_err().field, "rating");
        assert_eq!(with(("rating", text("0"))).unwrap_err().field, "rating");
        assert_eq!(with(("rating", text("6"))).unwrap_err().field, "rating");
        assert_eq!(with(("rating", text("NaN"))).unwrap_err().field, "rating");
        assert_eq!(with(("rating", text("inf"))).unwrap_err().field, "rating");
    }

    #[test]
    fn links_must_be_http() {
        assert_eq!(
            with(("url", text("HTTPS://example.com/a")))
                .unwrap()
                .permalink
                .as_deref(),
            Some("HTTPS://example.com/a")
        );
        assert_eq!(
            with(("url", text("javascript:alert(1)")))
                .unwrap_err()
                .field,
            "url"
        );
        assert_eq!(with(("url", text("https://a b"))).unwrap_err().field, "url");
    }

    #[test]
    fn a_thread_id_equal_to_the_id_means_the_root() {
        let m = with(("thread_id", text("1"))).unwrap();
        assert_eq!(m.thread_external_id, None);
        assert_eq!(
            with(("parent_id", text("1"))).unwrap_err().field,
            "parent_id"
        );
    }

    #[test]
    fn clip_never_splits_a_character() {
        let s = "é".repeat(40);
        assert_eq!(clip(&s).len(), 64);
        assert_eq!(clip("abc"), "abc");
    }
}
