//! Google Play reviews: the Play Console's monthly reviews CSV (Download reports →
//! Reviews, or `gs://pubsite_prod_…/reviews/reviews_<package>_<yyyymm>.csv`).
//!
//! The columns, matched by name in any case (unknown ones ignored): `Package Name,
//! App Version Code, App Version Name, Reviewer Language, Device, Review Submit
//! Date and Time, Review Submit Millis Since Epoch, Review Last Update Date and
//! Time, Review Last Update Millis Since Epoch, Star Rating, Review Title, Review
//! Text, Developer Reply Date and Time, Developer Reply Millis Since Epoch,
//! Developer Reply Text, Review Link`.
//!
//! Decisions, as documented in `docs/import-format.md`:
//! - **Encoding**: real exports are UTF-16LE with a byte order mark; UTF-16 and
//!   UTF-8 are both read (see `review_table`).
//! - **Id**: the `reviewId` of `Review Link`; a row without a link gets
//!   `gp:<package>:<submit millis>:<device>`, stable across monthly files.
//! - **Times**: the millisecond columns, else the date-and-time ones (RFC 3339,
//!   or UTC without an offset). A last update later than the submission makes the
//!   review *edited* at that time: a later file replaces the text and stars, and
//!   the old text is kept as a revision.
//! - **The developer's reply** is an outbound reply under the review, id
//!   `<review id>/reply`, at the reply's time (the review's when the file has none).
//! - A rating without title or text is refused: there is nothing to read or answer.
//! - Reviews have no author in the export (Play does not disclose who wrote them).

use crate::import::discourse::json_record::{iso_639_1, read_file};
use crate::import::review_table::{self, Cells, clip};
use crate::import::{Import, ImportError, Rejected};
use jiff::Timestamp;
use std::path::Path;
use tend_domain::message::MAX_EXTERNAL_ID_BYTES;
use tend_domain::{Direction, Engagement, IncomingItem, IncomingMessage, MessageKind};

/// What the format is called in errors.
const WHAT: &str = "Google Play reviews CSV";

/// Columns a file must have to be a Play reviews export.
pub const REQUIRED: [&str; 3] = ["Star Rating", "Review Text", "Review Submit Date and Time"];

/// Reads a Play Console reviews CSV.
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let bytes = read_file(path)?;
    read_bytes(path, &bytes)
}

/// Reads a Play Console reviews CSV already in memory; `file` names it in errors.
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

/// The review of one row, and the developer's reply when there is one.
fn review(cells: &Cells<'_>) -> Result<Vec<IncomingMessage>, Rejected> {
    let rating = cells.rating("Star Rating")?;
    let submitted = time(
        cells,
        "Review Submit Millis Since Epoch",
        "Review Submit Date and Time",
    )?
    .ok_or_else(|| cells.reject("Review Submit Date and Time", "required"))?;
    let updated = time(
        cells,
        "Review Last Update Millis Since Epoch",
        "Review Last Update Date and Time",
    )?;
    let permalink = match cells.text("Review Link") {
        Some(link) if link.starts_with("https://") || link.starts_with("http://") => {
            if link.contains(char::is_whitespace) {
                return Err(cells.reject("Review Link", "contains spaces"));
            }
            Some(link.to_owned())
        }
        Some(link) => {
            return Err(cells.reject(
                "Review Link",
                format!("{:?} is not an http(s) link", clip(link)),
            ));
        }
        None => None,
    };
    let external_id = match permalink.as_deref().and_then(review_id_of) {
        Some(id) => id,
        None => format!(
            "gp:{}:{}:{}",
            cells.text("Package Name").unwrap_or(""),
            submitted.as_millisecond(),
            cells.text("Device").unwrap_or("")
        ),
    };
    if external_id.len() > MAX_EXTERNAL_ID_BYTES - "/reply".len() {
        return Err(cells.reject(
            "Review Link",
            format!(
                "the review id is {} bytes; at most {}",
                external_id.len(),
                MAX_EXTERNAL_ID_BYTES - "/reply".len()
            ),
        ));
    }
    let title = cells.message_text("Review Title")?.map(str::to_owned);
    let text = cells.message_text("Review Text")?.unwrap_or("").to_owned();
    if title.is_none() && text.trim().is_empty() {
        return Err(cells.reject(
            "Review Text",
            format!("a {rating}-star rating without title or text; nothing to import"),
        ));
    }
    let edited_at = updated.filter(|u| *u > submitted);
    let mut out = vec![IncomingMessage {
        external_id: external_id.clone(),
        kind: MessageKind::Review,
        direction: Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: None,
        title,
        text,
        lang: iso_639_1(cells.text("Reviewer Language")),
        created_at: submitted,
        edited_at,
        permalink: permalink.clone(),
        engagement: Engagement::default(),
        rating: Some(rating),
    }];
    if let Some(reply) = cells.message_text("Developer Reply Text")? {
        let replied = time(
            cells,
            "Developer Reply Millis Since Epoch",
            "Developer Reply Date and Time",
        )?
        .unwrap_or(edited_at.unwrap_or(submitted));
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

/// The time of a millisecond column, else of its date-and-time column.
fn time(cells: &Cells<'_>, millis: &str, text: &str) -> Result<Option<Timestamp>, Rejected> {
    match cells.millis(millis)? {
        Some(at) => Ok(Some(at)),
        None => cells.utc_time(text),
    }
}

/// The `reviewId` query parameter of a Play Console review link.
fn review_id_of(link: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "reviewId")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_id_comes_from_the_link() {
        assert_eq!(
            review_id_of(
                "https://play.google.com/console/developers/1/app/2/user-feedback/review-details?reviewId=gp:AOq-1&corpus=PUBLIC_REVIEWS"
            )
            .as_deref(),
            Some("gp:AOq-1")
        );
        assert_eq!(review_id_of("https://example.com/?corpus=x"), None);
        assert_eq!(review_id_of("https://example.com/"), None);
        assert_eq!(review_id_of("https://example.com/?reviewId="), None);
    }
}
