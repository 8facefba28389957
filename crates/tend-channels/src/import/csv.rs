//! Generic CSV import: a header row naming the columns, then one row per message,
//! in the schema documented in `docs/import-format.md` (the same field names as the
//! NDJSON importer, minus the nested `author` object). Spreadsheet exports of any
//! platform map to it by renaming columns.
//!
//! Decisions, as documented:
//! - UTF-8 only (a BOM is dropped); invalid UTF-8 fails the import, naming the line
//!   and byte offset.
//! - The delimiter is `;` if the header line has more semicolons than commas
//!   (outside quotes), else `,`.
//! - Header cells are trimmed and matched case-insensitively. A header without the
//!   `id`, `created_at`, and `text` or `title` columns, a header naming a column
//!   twice, or an empty file fails the import. Unknown columns are ignored and
//!   counted in [`Report`].
//! - Quoted cells may span lines (RFC 4180 `""` escapes); errors name the line the
//!   row starts on. A row with a different number of cells than the header is
//!   `Rejected`; blank lines (also before the header) are skipped.
//! - An empty cell means the field is absent.

use std::io::{BufRead, Cursor, Read};
use std::path::Path;

use tend_domain::IncomingItem;

pub use super::ndjson::{FIELDS, Report};

use super::ndjson::generic::{self, Fields, Value};
use super::ndjson::source;
use crate::import::{Import, ImportError, Location, Rejected};

/// Longest header line read (bytes).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Reads a generic CSV export (see the module documentation).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    read_with_report(path).map(|(import, _)| import)
}

/// Like [`read`], also returning what was noticed without refusing anything
/// (unknown column names).
pub fn read_with_report(path: &Path) -> Result<(Import, Report), ImportError> {
    let mut reader = source::open(path)?;
    let mut header_line = Vec::new();
    // Blank lines before the header are skipped (and counted, so lines stay right).
    let mut skipped: u64 = 0;
    let first = loop {
        let line = source::read_line_capped(&mut reader, &mut header_line, MAX_HEADER_BYTES)
            .map_err(|e| source::read_error(path, Some(skipped + 1), &e))?;
        match line {
            Some(line)
                if line.len as usize == header_line.len()
                    && header_line.iter().all(u8::is_ascii_whitespace) =>
            {
                skipped += 1;
            }
            other => break other,
        }
    };
    let Some(first) = first else {
        return Err(source::error(
            path,
            Some(skipped.max(1)),
            "the file is empty; a header row naming the columns is required".to_owned(),
        ));
    };
    if first.len > MAX_HEADER_BYTES as u64 {
        return Err(source::error(
            path,
            Some(skipped + 1),
            format!(
                "the header line is {} bytes; at most {MAX_HEADER_BYTES}",
                first.len
            ),
        ));
    }
    let delimiter = detect_delimiter(&header_line);
    if first.ended_by_newline {
        header_line.push(b'\n');
    }
    let input = Cursor::new(header_line).chain(reader);
    read_rows(path, delimiter, skipped, input)
}

/// `;` if the line has more semicolons than commas outside double quotes, else `,`.
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for &b in header_line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn read_rows(
    path: &Path,
    delimiter: u8,
    skipped_lines: u64,
    input: impl BufRead,
) -> Result<(Import, Report), ImportError> {
    let mut rows = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let columns = header(path, &mut rows, delimiter, skipped_lines + 1)?;
    let mut import = Import::default();
    let mut report = Report::default();
    let mut row = ::csv::ByteRecord::new();
    let mut record: u64 = 0;
    loop {
        match rows.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, &e, skipped_lines)),
        }
        record += 1;
        let line = row.position().map(|p| p.line() + skipped_lines);
        let at = |field: Option<String>| Location {
            file: path.to_owned(),
            line,
            record: Some(record),
            field,
        };
        if row.len() != columns.len() {
            import.rejected.push(Rejected {
                at: at(None),
                reason: format!(
                    "has {} cells; the header has {} (a missing or extra `{}`, or an unclosed quote?)",
                    row.len(),
                    columns.len(),
                    char::from(delimiter),
                ),
            });
            continue;
        }
        let mut fields = Fields::default();
        let mut unknown = Vec::new();
        for (name, cell) in columns.iter().zip(row.iter()) {
            // The guard has checked the whole input is UTF-8, and the parser only
            // splits at ASCII bytes, so this conversion cannot fail in practice.
            let text = String::from_utf8_lossy(cell);
            if generic::is_known(name) {
                fields.insert(name, Value::Text(text.into_owned()));
            } else if !text.is_empty() && !name.is_empty() {
                unknown.push(name.as_str());
            }
        }
        generic::note_unknown(&mut report, unknown.into_iter());
        match generic::to_message(&fields) {
            Ok(message) => import.items.push(IncomingItem::Message(message)),
            Err(e) => import.rejected.push(Rejected {
                at: at(Some(e.field)),
                reason: e.reason,
            }),
        }
    }
    Ok((import, report))
}

/// Reads the header: the normalised column names, in order.
fn header<R: Read>(
    path: &Path,
    rows: &mut ::csv::Reader<R>,
    delimiter: u8,
    line: u64,
) -> Result<Vec<String>, ImportError> {
    let header = rows
        .byte_headers()
        .map_err(|e| csv_error(path, &e, line - 1))?;
    let columns: Vec<String> = header
        .iter()
        .map(|cell| String::from_utf8_lossy(cell).trim().to_lowercase())
        .collect();
    let header_error = |field: Option<String>, message: String| ImportError {
        at: Location {
            file: path.to_owned(),
            line: Some(line),
            record: None,
            field,
        },
        message,
    };
    for (i, name) in columns.iter().enumerate() {
        if generic::is_known(name) && columns.iter().skip(i + 1).any(|other| other == name) {
            return Err(header_error(
                Some(name.clone()),
                format!("the header names column `{name}` twice"),
            ));
        }
    }
    let has = |name: &str| columns.iter().any(|c| c == name);
    let mut missing: Vec<&str> = ["id", "created_at"]
        .into_iter()
        .filter(|c| !has(c))
        .collect();
    if !has("text") && !has("title") {
        missing.push("text");
    }
    if !missing.is_empty() {
        let shown: Vec<String> = columns.iter().take(12).map(|c| format!("`{c}`")).collect();
        return Err(header_error(
            Some(missing.join(", ")),
            format!(
                "the header row lacks the required column(s) {}; it has {} (read with delimiter `{}`)",
                missing
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if shown.is_empty() {
                    "none".to_owned()
                } else {
                    shown.join(", ")
                },
                char::from(delimiter),
            ),
        ));
    }
    Ok(columns)
}

fn csv_error(path: &Path, err: &::csv::Error, skipped_lines: u64) -> ImportError {
    let line = err.position().map(|p| p.line() + skipped_lines);
    match err.kind() {
        ::csv::ErrorKind::Io(io) => source::read_error(path, line, io),
        _ => source::error(path, line, format!("cannot read the CSV: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_more_frequent_one_outside_quotes() {
        assert_eq!(detect_delimiter(b"id,text,created_at"), b',');
        assert_eq!(detect_delimiter(b"id;text;created_at"), b';');
        assert_eq!(detect_delimiter(b"id;\"a,b,c\";created_at"), b';');
        assert_eq!(detect_delimiter(b"id"), b',');
    }
}
