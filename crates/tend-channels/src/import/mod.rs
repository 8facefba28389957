//! Importers for platform exports. Each format is one module with
//! `pub fn read(path: &Path) -> Result<Import, ImportError>`.
//!
//! Contract for every importer:
//! - Never panics, on any input (fuzzed: `fuzz/`).
//! - A file it cannot read as a whole (truncated JSON, wrong encoding, not the
//!   format) is an `ImportError` naming the file, the line or record, and the field.
//! - A record it can read but must refuse (missing or mistyped field, absurd size,
//!   a message without text and title) is a `Rejected` entry with the same detail,
//!   and the rest of the file still imports.
//! - Output order is parents before children where the format allows, but the
//!   pipeline does not rely on it.

pub mod app_store;
pub mod csv;
pub mod discourse;
pub mod google_play;
pub mod html;
pub mod mastodon;
pub mod ndjson;
pub mod reddit;
mod review_table;
pub mod stackexchange;
pub mod trustpilot;
pub mod x_archive;

use std::path::PathBuf;
use tend_domain::IncomingItem;

/// Largest input file an importer reads (bytes); larger is refused up front.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Longest text accepted for one message (bytes), as the store's limit.
pub const MAX_TEXT_BYTES: usize = tend_domain::message::MAX_TEXT_BYTES;

/// What an importer read from one export.
#[derive(Debug, Default)]
pub struct Import {
    /// Items in file order.
    pub items: Vec<IncomingItem>,
    /// Records refused, with the reason.
    pub rejected: Vec<Rejected>,
}

impl Import {
    /// The messages among the items, in file order.
    pub fn messages(&self) -> Vec<&tend_domain::IncomingMessage> {
        self.items
            .iter()
            .filter_map(|item| match item {
                IncomingItem::Message(message) => Some(message),
                _ => None,
            })
            .collect()
    }
}

/// One record of a streamed export: an item, or a record refused with the reason.
pub type Record = Result<IncomingItem, Rejected>;

/// Where in the input something is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, where the format has lines that mean something.
    pub line: Option<u64>,
    /// 1-based record number (element of a JSON array, row of a CSV …), where known.
    pub record: Option<u64>,
    /// The field, e.g. `created_at` or `data.body`.
    pub field: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = self.record {
            write!(f, " record {record}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field `{field}`")?;
        }
        Ok(())
    }
}

/// A record that was read but refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// Where it is.
    pub at: Location,
    /// Why, in plain words.
    pub reason: String,
}

/// An export that cannot be imported at all.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ImportError {
    /// Where it failed.
    pub at: Location,
    /// What is wrong, in plain words.
    pub message: String,
}
