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

use crate::import::{Import, ImportError, Location, Rejected};
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

/// Reads a generic NDJSON export (see the module documentation).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    read_with_report(path).map(|(import, _)| import)
}

/// Like [`read`], also returning what was noticed without refusing anything
/// (unknown field names).
pub fn read_with_report(path: &Path) -> Result<(Import, Report), ImportError> {
    let mut reader = source::open(path)?;
    let mut import = Import::default();
    let mut report = Report::default();
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut record: u64 = 0;
    loop {
        let line = match source::read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => return Err(source::read_error(path, Some(line_no + 1), &e)),
        };
        line_no += 1;
        if buf.iter().all(u8::is_ascii_whitespace) && line.len as usize == buf.len() {
            continue;
        }
        record += 1;
        let at = |field: Option<String>| Location {
            file: path.to_owned(),
            line: Some(line_no),
            record: Some(record),
            field,
        };
        if line.len > MAX_LINE_BYTES as u64 {
            import.rejected.push(Rejected {
                at: at(None),
                reason: format!("line is {} bytes; at most {MAX_LINE_BYTES}", line.len),
            });
            continue;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(text) => text,
            // The guard has already checked the bytes; kept as a plain error anyway.
            Err(e) => {
                return Err(source::error(
                    path,
                    Some(line_no),
                    format!("invalid UTF-8: {e}"),
                ));
            }
        };
        let object = match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(object)) => object,
            Ok(other) => {
                let reason = format!("is {}, not a JSON object", json_type(&other));
                if record == 1 {
                    return Err(not_ndjson(path, line_no, &reason));
                }
                import.rejected.push(Rejected {
                    at: at(None),
                    reason,
                });
                continue;
            }
            Err(e) => {
                let reason = format!("is not valid JSON ({e})");
                if record == 1 {
                    return Err(not_ndjson(path, line_no, &reason));
                }
                import.rejected.push(Rejected {
                    at: at(None),
                    reason,
                });
                continue;
            }
        };
        let result = fields_of(&object, &mut report)
            .and_then(|fields| generic::to_message(&fields).map_err(|e| shown_as(e, &object)));
        match result {
            Ok(message) => import.items.push(IncomingItem::Message(message)),
            Err(e) => import.rejected.push(Rejected {
                at: at(Some(e.field)),
                reason: e.reason,
            }),
        }
    }
    Ok((import, report))
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
