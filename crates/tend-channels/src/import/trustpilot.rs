//! Trustpilot reviews: the business account's CSV export (Trustpilot Business →
//! Reviews → Export). Columns are matched by name in any case and unknown ones are
//! ignored; those read are `Review Id`, `Review Created (UTC)`, `Review Consumer
//! User Id`, `Review Consumer Name`, `Review Title`, `Review Content`, `Review
//! Stars`, `Review Language`, `Company Reply Date (UTC)` and `Company Reply`.
//!
//! Decisions, as documented in `docs/import-format.md`:
//! - **Id**: `Review Id` when the export has it (then the review links to
//!   `https://www.trustpilot.com/reviews/<id>`); otherwise
//!   `tp:<consumer user id>:<created, Unix seconds>`, stable across exports since a
//!   consumer writes one review per company at a time. Without either the row is
//!   refused.
//! - **Times** are UTC as the column names say: RFC 3339, or a date and time
//!   without an offset (`2024-05-01 09:30:00`) read as UTC.
//! - **The company's reply** is an outbound reply under the review, id
//!   `<review id>/reply`, at `Company Reply Date (UTC)` (the review's time when
//!   empty).
//! - The author is the consumer (`Review Consumer User Id`, else the name),
//!   on the `reviews` platform.
//! - UTF-8 (with or without a BOM) or UTF-16; `,` or `;` delimited.

use crate::import::discourse::json_record::{iso_639_1, read_file};
use crate::import::review_table::{self, Cells};
use crate::import::{Import, ImportError, Rejected};
use std::path::Path;
use tend_domain::message::MAX_EXTERNAL_ID_BYTES;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// What the format is called in errors.
const WHAT: &str = "Trustpilot reviews CSV";

/// Columns a file must have to be a Trustpilot export.
pub const REQUIRED: [&str; 3] = ["Review Created (UTC)", "Review Stars", "Review Content"];

/// Reads a Trustpilot business CSV export.
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let bytes = read_file(path)?;
    read_bytes(path, &bytes)
}

/// Reads a Trustpilot export already in memory; `file` names it in errors.
pub fn read_bytes(file: &Path, bytes: &[u8]) -> Result<Import, ImportError> {
    let text = review_table::decode(file, bytes)?;
    let table = review_table::read(file, &text, WHAT)?;
    table.require(file, &REQUIRED, WHAT)?;
    let mut import = Import::default();
    for row in &table.rows {
        let row = match row {
            Ok(row) => row,
            Err(rejected) => {
                import.rejected.push(rejected.clone());
                continue;
            }
        };
        let cells = Cells {
            file,
            table: &table,
            row,
        };
        match review(&cells) {
            Ok(messages) => import
                .items
                .extend(messages.into_iter().map(IncomingItem::Message)),
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    Ok(import)
}

/// The review of one row, and the company's reply when there is one.
fn review(cells: &Cells<'_>) -> Result<Vec<IncomingMessage>, Rejected> {
    let created = cells
        .utc_time("Review Created (UTC)")?
        .ok_or_else(|| cells.reject("Review Created (UTC)", "required"))?;
    let rating = cells.rating("Review Stars")?;
    let consumer_id = cells.text("Review Consumer User Id");
    let consumer_name = cells.text("Review Consumer Name");
    let review_id = cells.text("Review Id");
    let external_id = match (review_id, consumer_id) {
        (Some(id), _) => id.to_owned(),
        (None, Some(consumer)) => format!("tp:{consumer}:{}", created.as_second()),
        (None, None) => {
            return Err(cells.reject(
                "Review Consumer User Id",
                "required when the export has no `Review Id` column (the review's id is made from it)",
            ));
        }
    };
    let max_id = MAX_EXTERNAL_ID_BYTES - "/reply".len();
    if external_id.len() > max_id {
        return Err(cells.reject(
            if review_id.is_some() {
                "Review Id"
            } else {
                "Review Consumer User Id"
            },
            format!(
                "the review id is {} bytes; at most {max_id}",
                external_id.len()
            ),
        ));
    }
    let permalink = review_id
        .filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|id| format!("https://www.trustpilot.com/reviews/{id}"));
    let title = cells.message_text("Review Title")?.map(str::to_owned);
    let text = cells
        .message_text("Review Content")?
        .unwrap_or("")
        .to_owned();
    if title.is_none() && text.trim().is_empty() {
        return Err(cells.reject("Review Content", "no title and no text; nothing to import"));
    }
    let author = match (consumer_id, consumer_name) {
        (None, None) => None,
        (id, name) => {
            let key = id.or(name).unwrap_or_default();
            if key.len() > MAX_EXTERNAL_ID_BYTES {
                return Err(cells.reject(
                    if id.is_some() {
                        "Review Consumer User Id"
                    } else {
                        "Review Consumer Name"
                    },
                    format!("is {} bytes; at most {MAX_EXTERNAL_ID_BYTES}", key.len()),
                ));
            }
            Some(IncomingAuthor {
                platform: ChannelKind::Reviews,
                external_id: key.to_owned(),
                handle: key.to_owned(),
                display_name: name.map(str::to_owned),
                profile_url: id
                    .filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric()))
                    .map(|id| format!("https://www.trustpilot.com/users/{id}")),
                followers: None,
                verified: false,
                email: None,
            })
        }
    };
    let mut out = vec![IncomingMessage {
        external_id: external_id.clone(),
        kind: MessageKind::Review,
        direction: Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author,
        title,
        text,
        lang: iso_639_1(cells.text("Review Language")),
        created_at: created,
        edited_at: None,
        permalink: permalink.clone(),
        engagement: Engagement::default(),
        rating: Some(rating),
    }];
    if let Some(reply) = cells.message_text("Company Reply")? {
        let replied = cells
            .utc_time("Company Reply Date (UTC)")?
            .unwrap_or(created);
        out.push(IncomingMessage {
            external_id: format!("{external_id}/reply"),
            kind: MessageKind::Reply,
            direction: Direction::Outbound,
            thread_external_id: Some(external_id.clone()),
            parent_external_id: Some(external_id),
            author: None,
            title: None,
            text: reply.to_owned(),
            lang: None,
            created_at: replied,
            edited_at: None,
            permalink,
            engagement: Engagement::default(),
            rating: None,
        });
    }
    Ok(out)
}
