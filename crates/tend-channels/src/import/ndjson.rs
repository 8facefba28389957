//! Generic NDJSON import: one JSON object per line, one object per message, in the
//! schema documented in `docs/import-format.md` (the same field names as the CSV
//! importer). It lets any export Tend has no importer for (Facebook, Discord,
//! YouTube, reviews …) be brought in with a `jq` one-liner instead of code.
//!
//! Decisions, as documented:
//! - Blank lines are skipped; `\r\n` line ends are accepted; a UTF-8 BOM is dropped.
//! - If the first non-blank line is not a JSON object, the file is not NDJSON (a
//!   pretty-printed JSON array, a CSV …) and the import fails as a whole. A later
//!   line that is not a JSON object (say a truncated last line) is `Rejected` and
//!   the rest imports.
//! - Invalid UTF-8 anywhere fails the import, naming the line and byte offset.
//! - Lines over [`MAX_LINE_BYTES`] are `Rejected` without being held in memory.
//! - The author may be flat `author_*` fields or a nested `author` object; giving
//!   the same author field both ways is `Rejected`.
//! - Unknown fields are ignored and counted in [`Report`].

pub(crate) mod generic;
pub(crate) mod source;

use std::path::Path;

use serde_json::{Map, Value as Json};
use tend_domain::IncomingItem;

pub use generic::{FIELDS, MAX_FIELD_BYTES, Report, SECONDS_MILLIS_CUTOFF};

use crate::import::{Import, ImportError, Location, Record, Rejected};
use generic::{FieldError, Fields, Value};

/// Longest line read (bytes): room for a text at the size limit even when every
/// character is written as a `\uXXXX` escape, plus the other fields.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// The keys of a nested `author` object and the flat fields they stand for.
pub const AUTHOR_KEYS: [(&str, &str); 8] = [
    ("id", "author_id"),
    ("handle", "author_handle"),
    ("name", "author_name"),
    ("url", "author_url"),
    ("followers", "author_followers"),
    ("verified", "author_verified"),
    ("email", "author_email"),
    ("platform", "platform"),
];

/// Reads a generic NDJSON export (see the module documentation) into memory.
pub fn read(path: &Path) -> Result<Import, ImportError> {
    read_with_report(path).map(|(import, _)| import)
}

/// Like [`read`], also returning what was noticed without refusing anything
/// (unknown field names).
pub fn read_with_report(path: &Path) -> Result<(Import, Report), ImportError> {
    let mut records = stream(path)?;
    let mut import = Import::default();
    for record in records.by_ref() {
        match record? {
            Ok(item) => import.items.push(item),
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    Ok((import, records.report))
}

/// Opens a generic NDJSON export for streaming: records are parsed one at a time as
/// they are pulled, so a file of any size imports in bounded memory. Everything
/// that fails the file as a whole is checked before the first record is returned:
/// the whole file is scanned for invalid UTF-8 first, and the first record must be
/// a JSON object. After that the stream yields records (items or refusals); an
/// `Err` (an I/O error) ends it.
pub fn stream(path: &Path) -> Result<Records, ImportError> {
    let mut scan = source::open(path)?;
    std::io::copy(&mut scan, &mut std::io::sink())
        .map_err(|e| source::read_error(path, None, &e))?;
    let mut records = Records {
        path: path.to_owned(),
        reader: source::open(path)?,
        buf: Vec::new(),
        line_no: 0,
        record: 0,
        report: Report::default(),
        first: None,
        finished: false,
    };
    records.first = match records.next_record() {
        Some(Err(e)) => return Err(e),
        other => other,
    };
    Ok(records)
}

/// The records of an NDJSON export, read lazily (see [`stream`]).
pub struct Records {
    path: std::path::PathBuf,
    reader: std::io::BufReader<source::Utf8Guard<std::fs::File>>,
    buf: Vec<u8>,
    line_no: u64,
    record: u64,
    /// What was noticed so far without refusing anything.
    pub report: Report,
    first: Option<Result<Record, ImportError>>,
    finished: bool,
}

impl Iterator for Records {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if self.finished {
            return None;
        }
        let next = self.next_record();
        if matches!(next, None | Some(Err(_))) {
            self.finished = true;
        }
        next
    }
}

impl Records {
    fn next_record(&mut self) -> Option<Result<Record, ImportError>> {
        let path = self.path.as_path();
        loop {
            let line =
                match source::read_line_capped(&mut self.reader, &mut self.buf, MAX_LINE_BYTES) {
                    Ok(Some(line)) => line,
                    Ok(None) => return None,
                    Err(e) => {
                        return Some(Err(source::read_error(path, Some(self.line_no + 1), &e)));
                    }
                };
            self.line_no += 1;
            let buf = &self.buf;
            if buf.iter().all(u8::is_ascii_whitespace) && line.len as usize == buf.len() {
                continue;
            }
            self.record += 1;
            let (line_no, record) = (self.line_no, self.record);
            let at = |field: Option<String>| Location {
                file: path.to_owned(),
                line: Some(line_no),
                record: Some(record),
                field,
            };
            if line.len > MAX_LINE_BYTES as u64 {
                return Some(Ok(Err(Rejected {
                    at: at(None),
                    reason: format!("line is {} bytes; at most {MAX_LINE_BYTES}", line.len),
                })));
            }
            let text = match std::str::from_utf8(buf) {
                Ok(text) => text,
                // The guard has already checked the bytes; kept as a plain error anyway.
                Err(e) => {
                    return Some(Err(source::error(
                        path,
                        Some(line_no),
                        format!("invalid UTF-8: {e}"),
                    )));
                }
            };
            let object = match serde_json::from_str::<Json>(text) {
                Ok(Json::Object(object)) => object,
                Ok(other) => {
                    let reason = format!("is {}, not a JSON object", json_type(&other));
                    if record == 1 {
                        return Some(Err(not_ndjson(path, line_no, &reason)));
                    }
                    return Some(Ok(Err(Rejected {
                        at: at(None),
                        reason,
                    })));
                }
                Err(e) => {
                    let reason = format!("is not valid JSON ({e})");
                    if record == 1 {
                        return Some(Err(not_ndjson(path, line_no, &reason)));
                    }
                    return Some(Ok(Err(Rejected {
                        at: at(None),
                        reason,
                    })));
                }
            };
            let result = fields_of(&object, &mut self.report)
                .and_then(|fields| generic::to_message(&fields).map_err(|e| shown_as(e, &object)));
            return Some(Ok(match result {
                Ok(message) => Ok(IncomingItem::Message(message)),
                Err(e) => Err(Rejected {
                    at: at(Some(e.field)),
                    reason: e.reason,
                }),
            }));
        }
    }
}

fn not_ndjson(path: &Path, line: u64, reason: &str) -> ImportError {
    source::error(
        path,
        Some(line),
        format!(
            "not NDJSON: the first record {reason}; NDJSON needs one JSON object per line \
             (a JSON array converts with `jq -c '.[]'`)"
        ),
    )
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The schema's view of one JSON value; `None` for `null` (absent).
fn value_of(json: &Json) -> Option<Value> {
    match json {
        Json::Null => None,
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Integer(i128::from(i)),
            (None, Some(u)) => Value::Integer(i128::from(u)),
            (None, None) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Json::String(s) => Some(Value::Text(s.clone())),
        Json::Array(_) => Some(Value::Structured("an array")),
        Json::Object(_) => Some(Value::Structured("an object")),
    }
}

fn present(json: &Json) -> bool {
    !matches!(json, Json::Null) && json.as_str() != Some("")
}

fn fields_of(object: &Map<String, Json>, report: &mut Report) -> Result<Fields, FieldError> {
    let mut fields = Fields::default();
    let mut unknown: Vec<String> = Vec::new();
    for (key, json) in object {
        if key == "author" {
            continue;
        }
        if !generic::is_known(key) {
            if present(json) {
                unknown.push(key.clone());
            }
            continue;
        }
        if let Some(value) = value_of(json) {
            fields.insert(key, value);
        }
    }
    match object.get("author") {
        None | Some(Json::Null) => {}
        Some(Json::Object(author)) => {
            for (key, json) in author {
                let Some((_, flat)) = AUTHOR_KEYS.iter().find(|(k, _)| k == key) else {
                    if present(json) {
                        unknown.push(format!("author.{key}"));
                    }
                    continue;
                };
                if object.get(*flat).is_some_and(present) && present(json) {
                    return Err(FieldError::new(
                        &format!("author.{key}"),
                        format!("is given both as `author.{key}` and as `{flat}`"),
                    ));
                }
                if let Some(value) = value_of(json) {
                    fields.insert(flat, value);
                }
            }
        }
        Some(other) => {
            return Err(FieldError::new(
                "author",
                format!("must be an object, not {}", json_type(other)),
            ));
        }
    }
    generic::note_unknown(report, unknown.iter().map(String::as_str));
    Ok(fields)
}

/// Names a field the way the record spelled it: `author.handle` when the value came
/// from the nested object.
fn shown_as(mut err: FieldError, object: &Map<String, Json>) -> FieldError {
    if let Some(Json::Object(author)) = object.get("author")
        && let Some((key, _)) = AUTHOR_KEYS.iter().find(|(_, flat)| *flat == err.field)
        && author.get(*key).is_some_and(present)
    {
        err.field = format!("author.{key}");
    }
    err
}
