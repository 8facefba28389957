//! Shared by the review-export importers that read a spreadsheet (`google_play`,
//! `trustpilot`): decoding the bytes (UTF-8, or UTF-16 as the Play Console writes
//! it), reading a CSV whose header is matched by name, case-insensitively, with
//! unknown columns ignored, and typed cells whose errors name the line, the record
//! and the column as the header spells it.
//!
//! Decisions:
//! - **Encoding.** A UTF-16 byte order mark (`FF FE` little-endian, `FE FF`
//!   big-endian) means UTF-16; a file without one whose second byte is NUL is read
//!   as UTF-16LE (a BOM-less Play export); otherwise UTF-8, with or without its BOM.
//!   Bytes that do not decode fail the whole import, naming the byte offset.
//! - **Delimiter**: as the generic CSV importer, from the header line (`;` when it
//!   has more semicolons than commas outside quotes, else `,`).
//! - Line ends: CRLF (as the Play Console and Excel write) is read as LF, also
//!   inside cells.
//! - A row with a different number of cells than the header, or with a NUL
//!   character in any cell, is refused alone.

use crate::import::csv::detect_delimiter;
use crate::import::{ImportError, Location, MAX_TEXT_BYTES, Rejected};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::path::Path;
use tend_domain::Rating;

/// A decoded, parsed spreadsheet: the header, then its rows.
#[derive(Debug)]
pub(in crate::import) struct Table {
    /// The header cells as written (trimmed).
    pub columns: Vec<String>,
    /// Rows in file order; a row that cannot be read is already refused.
    pub rows: Vec<Result<Row, Rejected>>,
}

/// One row of a [`Table`], with where it is.
#[derive(Debug)]
pub(in crate::import) struct Row {
    /// 1-based line on which the row starts.
    pub line: u64,
    /// 1-based record number (the header not counted).
    pub record: u64,
    cells: Vec<String>,
}

/// Decodes `bytes` as UTF-8 or UTF-16 (see the module documentation).
pub(in crate::import) fn decode(file: &Path, bytes: &[u8]) -> Result<String, ImportError> {
    let utf16 = |body: &[u8], little: bool| -> Result<String, ImportError> {
        if !body.len().is_multiple_of(2) {
            return Err(whole(
                file,
                None,
                format!(
                    "UTF-16 text with an odd number of bytes ({}); the file is cut short",
                    body.len()
                ),
            ));
        }
        let units = body.chunks_exact(2).map(|pair| {
            if little {
                u16::from_le_bytes([pair[0], pair[1]])
            } else {
                u16::from_be_bytes([pair[0], pair[1]])
            }
        });
        let mut out = String::with_capacity(body.len() / 2);
        let mut offset = 0usize;
        for unit in char::decode_utf16(units) {
            match unit {
                Ok(c) => {
                    offset += c.len_utf16() * 2;
                    out.push(c);
                }
                Err(_) => {
                    return Err(whole(
                        file,
                        None,
                        format!(
                            "invalid UTF-16 (an unpaired surrogate) at byte offset {} of the text",
                            offset
                        ),
                    ));
                }
            }
        }
        Ok(out)
    };
    match bytes {
        [0xFF, 0xFE, body @ ..] => utf16(body, true),
        [0xFE, 0xFF, body @ ..] => utf16(body, false),
        [first, 0, ..] if first.is_ascii() && *first != 0 => utf16(bytes, true),
        _ => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(body).map(str::to_owned).map_err(|e| {
                let offset = e.valid_up_to() + (bytes.len() - body.len());
                let line = 1 + bytes[..offset].iter().filter(|b| **b == b'\n').count() as u64;
                whole(
                    file,
                    Some(line),
                    format!(
                        "invalid UTF-8 at byte offset {offset}; the file must be UTF-8 or UTF-16"
                    ),
                )
            })
        }
    }
}

/// Reads `text` as a CSV with a header row. `what` names the format in errors.
pub(in crate::import) fn read(file: &Path, text: &str, what: &str) -> Result<Table, ImportError> {
    // CRLF becomes LF first: the csv crate counts a CRLF-ended record's `\n` into
    // the next record's start, so every line number after the header would be one
    // short; line breaks inside cells are normalised the same way.
    let text = text.replace("\r\n", "\n");
    let text = text.as_str();
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let delimiter = detect_delimiter(first_line.as_bytes());
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| csv_error(file, &e, what))?
        .clone();
    let columns: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    if columns.iter().all(String::is_empty) {
        return Err(whole(
            file,
            Some(1),
            format!("the file is empty; a {what} starts with a header row"),
        ));
    }
    let mut rows = Vec::new();
    let mut record = ::csv::StringRecord::new();
    let mut number = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e, what)),
        }
        number += 1;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != columns.len() {
            rows.push(Err(Rejected {
                at: Location {
                    file: file.to_owned(),
                    line: Some(line),
                    record: Some(number),
                    field: None,
                },
                reason: format!(
                    "has {} cells; the header has {} (a missing or extra `{}`, or an unclosed quote?)",
                    record.len(),
                    columns.len(),
                    char::from(delimiter)
                ),
            }));
            continue;
        }
        // PostgreSQL text cannot hold NUL, and no export means one.
        if let Some(i) = record.iter().position(|cell| cell.contains('\0')) {
            rows.push(Err(Rejected {
                at: Location {
                    file: file.to_owned(),
                    line: Some(line),
                    record: Some(number),
                    field: columns.get(i).cloned(),
                },
                reason: "contains a NUL character".to_owned(),
            }));
            continue;
        }
        rows.push(Ok(Row {
            line,
            record: number,
            cells: record.iter().map(str::to_owned).collect(),
        }));
    }
    Ok(Table { columns, rows })
}

impl Table {
    /// The index of the column named `name` (case-insensitive, trimmed), if any.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// Fails the import unless every column of `required` is present, listing what
    /// the header has.
    pub fn require(&self, file: &Path, required: &[&str], what: &str) -> Result<(), ImportError> {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| self.column(c).is_none())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = self
            .columns
            .iter()
            .take(16)
            .map(|c| format!("`{}`", clip(c)))
            .collect();
        Err(ImportError {
            at: Location {
                file: file.to_owned(),
                line: Some(1),
                record: None,
                field: Some(missing.join(", ")),
            },
            message: format!(
                "not a {what}: the header lacks {}; it has {}",
                missing
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if shown.is_empty() {
                    "no columns".to_owned()
                } else {
                    shown.join(", ")
                }
            ),
        })
    }
}

/// One row read against its table: typed cells, refusals naming the column.
pub(in crate::import) struct Cells<'a> {
    pub file: &'a Path,
    pub table: &'a Table,
    pub row: &'a Row,
}

impl Cells<'_> {
    /// A refusal of this row naming `column`.
    pub fn reject(&self, column: &str, reason: impl Into<String>) -> Rejected {
        let field = self
            .table
            .column(column)
            .map_or(column, |i| self.table.columns[i].as_str());
        Rejected {
            at: Location {
                file: self.file.to_owned(),
                line: Some(self.row.line),
                record: Some(self.row.record),
                field: Some(field.to_owned()),
            },
            reason: reason.into(),
        }
    }

    /// The cell of `column` untrimmed, `None` when the column is absent or the cell
    /// is blank.
    pub fn raw(&self, column: &str) -> Option<&str> {
        let i = self.table.column(column)?;
        self.row
            .cells
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// The cell of `column`, trimmed; `None` when absent or blank.
    pub fn text(&self, column: &str) -> Option<&str> {
        self.raw(column).map(str::trim)
    }

    /// A text cell kept as written (a title, a review, a reply), refused past the
    /// size limit of a message.
    pub fn message_text(&self, column: &str) -> Result<Option<&str>, Rejected> {
        let Some(cell) = self.raw(column) else {
            return Ok(None);
        };
        if cell.len() > MAX_TEXT_BYTES {
            return Err(self.reject(
                column,
                format!("is {} bytes; at most {MAX_TEXT_BYTES}", cell.len()),
            ));
        }
        Ok(Some(cell))
    }

    /// A required star rating (whole or decimal stars, 1 to 5).
    pub fn rating(&self, column: &str) -> Result<Rating, Rejected> {
        let cell = self
            .text(column)
            .ok_or_else(|| self.reject(column, "required"))?;
        Rating::parse(cell).map_err(|_| {
            self.reject(
                column,
                format!("{:?} is not a star rating from 1 to 5", clip(cell)),
            )
        })
    }

    /// Milliseconds since the Unix epoch.
    pub fn millis(&self, column: &str) -> Result<Option<Timestamp>, Rejected> {
        let Some(cell) = self.text(column) else {
            return Ok(None);
        };
        cell.parse::<i64>()
            .ok()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
            .map(Some)
            .ok_or_else(|| {
                self.reject(
                    column,
                    format!(
                        "{:?} is not milliseconds since 1970-01-01 (digits only)",
                        clip(cell)
                    ),
                )
            })
    }

    /// A time: RFC 3339 with an offset, or — because the column says the zone —
    /// a date and time without one (`2024-05-01 09:30:00`, `2024-05-01T09:30`),
    /// read in UTC.
    pub fn utc_time(&self, column: &str) -> Result<Option<Timestamp>, Rejected> {
        let Some(cell) = self.text(column) else {
            return Ok(None);
        };
        if let Ok(at) = cell.parse::<Timestamp>() {
            return Ok(Some(at));
        }
        cell.parse::<DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(TimeZone::UTC).ok())
            .map(|z| Some(z.timestamp()))
            .ok_or_else(|| {
                self.reject(
                    column,
                    format!(
                        "{:?} is not a date and time such as 2024-05-01T09:30:00Z \
                         or 2024-05-01 09:30:00",
                        clip(cell)
                    ),
                )
            })
    }
}

/// At most 64 bytes of `s`, for messages.
pub(in crate::import) fn clip(s: &str) -> &str {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

fn whole(file: &Path, line: Option<u64>, message: String) -> ImportError {
    ImportError {
        at: Location {
            file: file.to_owned(),
            line,
            record: None,
            field: None,
        },
        message,
    }
}

fn csv_error(file: &Path, err: &::csv::Error, what: &str) -> ImportError {
    whole(
        file,
        err.position().map(|p| p.line()),
        format!("cannot read the {what}: {err}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn utf16_with_and_without_a_mark_and_utf8_decode_alike() {
        let file = Path::new("t.csv");
        let text = "A,B\n\"é, ok\",2\n";
        assert_eq!(decode(file, &utf16le(text)).unwrap(), text);
        assert_eq!(decode(file, &utf16le(text)[2..]).unwrap(), text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(file, &be).unwrap(), text);
        assert_eq!(decode(file, b"\xEF\xBB\xBFA,B\n").unwrap(), "A,B\n");
        let err = decode(file, &[0xFF, 0xFE, 0x41]).unwrap_err();
        assert!(err.message.contains("odd number"), "{err}");
        let err = decode(file, &[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]).unwrap_err();
        assert!(err.message.contains("surrogate"), "{err}");
        let err = decode(file, b"A,B\n1,\xFF\n").unwrap_err();
        assert_eq!(err.at.line, Some(2));
        assert!(err.message.contains("byte offset 6"), "{err}");
    }

    #[test]
    fn columns_are_found_by_name_in_any_case() {
        let file = Path::new("t.csv");
        let table = read(file, "Star Rating;Review Text\n4;\"ok; fine\"\n", "test").unwrap();
        assert_eq!(table.column("star rating"), Some(0));
        let row = table.rows[0].as_ref().unwrap();
        let cells = Cells {
            file,
            table: &table,
            row,
        };
        assert_eq!(cells.text("REVIEW TEXT"), Some("ok; fine"));
        assert_eq!(cells.rating("star rating").unwrap().tenths(), 40);
        assert!(table.require(file, &["Package Name"], "test").is_err());
        let err = cells.rating("Review Text").unwrap_err();
        assert_eq!(err.at.field.as_deref(), Some("Review Text"));
        assert_eq!(err.at.line, Some(2));
    }
}
