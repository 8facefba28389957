//! App Store reviews: the App Store Connect API's `customerReviews` JSON, as saved
//! by `curl` from `GET /v1/apps/{id}/customerReviews?include=response` (one page:
//! `{data: [...], included: [...]}`), a JSON array of such pages, or a JSON array
//! of `customerReviews` objects.
//!
//! A review is `{type: "customerReviews", id, attributes: {rating, title, body,
//! reviewerNickname, createdDate, territory}, relationships: {response: {data:
//! {id}}}}`; a reply is an `included` `customerReviewResponses` object `{id,
//! attributes: {responseBody, lastModifiedDate, state}, relationships: {review:
//! {data: {id}}}}`.
//!
//! Decisions, as documented in `docs/import-format.md`:
//! - The review's id is App Store Connect's; its author is the nickname (Apple
//!   discloses no stable reviewer id); `territory` is a storefront, not a
//!   language, and is not kept. Reviews have no public link.
//! - A reply is an outbound reply under its review (found through either side of
//!   the relationship), at `lastModifiedDate`, whatever its `state` (a reply
//!   pending publication was still written by the brand). Other `included`
//!   objects are ignored.
//! - `rating` is a whole number of stars, 1 to 5.

use crate::import::discourse::json_record::{
    Record, check_message, file_error, parse_json, read_file, type_name,
};
use crate::import::{Import, ImportError, Rejected};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
    Rating,
};

/// What the format is called in errors.
const WHAT: &str = "App Store Connect customerReviews JSON";

/// Reads App Store Connect `customerReviews` JSON.
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let bytes = read_file(path)?;
    read_bytes(path, &bytes)
}

/// Reads App Store Connect JSON already in memory; `file` names it in errors.
pub fn read_bytes(file: &Path, bytes: &[u8]) -> Result<Import, ImportError> {
    let value = parse_json(file, bytes, WHAT)?;
    let mut reviews: Vec<(String, &Value)> = Vec::new();
    let mut included: Vec<(String, &Value)> = Vec::new();
    let mut import = Import::default();
    match &value {
        Value::Object(obj) if obj.contains_key("data") => {
            page(file, &value, "", &mut reviews, &mut included, &mut import)?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.get("data").is_some() {
                    page(
                        file,
                        item,
                        &format!("[{i}]."),
                        &mut reviews,
                        &mut included,
                        &mut import,
                    )?;
                } else {
                    reviews.push((format!("[{i}]"), item));
                }
            }
        }
        Value::Object(obj) if obj.contains_key("attributes") => {
            reviews.push((String::new(), &value));
        }
        other => {
            return Err(file_error(
                file,
                format!(
                    "not an {WHAT}: expected an object with `data` (an API page) or an array \
                     of pages or reviews, found {}",
                    type_name(other)
                ),
            ));
        }
    }
    let mut number = 0u64;
    // Response id → review id, from the reviews' side of the relationship.
    let mut answered: HashMap<String, String> = HashMap::new();
    for (prefix, value) in reviews {
        number += 1;
        let parsed = Record::new(file, number, &prefix, value).and_then(|record| {
            let (message, response) = review(&record)?;
            check_message(&record, &message, "attributes.body")?;
            Ok((message, response))
        });
        match parsed {
            Ok((message, response)) => {
                if let Some(response) = response {
                    answered.insert(response, message.external_id.clone());
                }
                import.items.push(IncomingItem::Message(message));
            }
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    for (prefix, value) in included {
        number += 1;
        let parsed = Record::new(file, number, &prefix, value).and_then(|record| {
            let Some(message) = response(&record, &answered)? else {
                return Ok(None);
            };
            check_message(&record, &message, "attributes.responseBody")?;
            Ok(Some(message))
        });
        match parsed {
            Ok(Some(message)) => import.items.push(IncomingItem::Message(message)),
            Ok(None) => {}
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    Ok(import)
}

/// Collects the reviews of one API page (`data`, an array or one object) and its
/// `included` objects.
fn page<'a>(
    file: &Path,
    value: &'a Value,
    prefix: &str,
    reviews: &mut Vec<(String, &'a Value)>,
    included: &mut Vec<(String, &'a Value)>,
    import: &mut Import,
) -> Result<(), ImportError> {
    match value.get("data") {
        Some(Value::Array(items)) => reviews.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{prefix}data[{i}]"), v)),
        ),
        Some(one @ Value::Object(_)) => reviews.push((format!("{prefix}data"), one)),
        Some(Value::Null) | None => {}
        Some(other) => {
            return Err(ImportError {
                at: crate::import::Location {
                    file: file.to_owned(),
                    line: None,
                    record: None,
                    field: Some(format!("{prefix}data")),
                },
                message: format!(
                    "not an {WHAT}: `data` must be an array of reviews, found {}",
                    type_name(other)
                ),
            });
        }
    }
    match value.get("included") {
        Some(Value::Array(items)) => included.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{prefix}included[{i}]"), v)),
        ),
        Some(Value::Null) | None => {}
        Some(other) => import.rejected.push(Rejected {
            at: crate::import::Location {
                file: file.to_owned(),
                line: None,
                record: None,
                field: Some(format!("{prefix}included")),
            },
            reason: format!(
                "expected an array, found {}; the replies are not imported",
                type_name(other)
            ),
        }),
    }
    Ok(())
}

/// One review, and the id of its response when the review names one.
fn review(record: &Record<'_>) -> Result<(IncomingMessage, Option<String>), Rejected> {
    if let Some(kind) = record.opt_string("type")?
        && kind != "customerReviews"
    {
        return Err(record.reject(
            "type",
            format!("{kind:?} is not a review (`customerReviews`)"),
        ));
    }
    let external_id = record.id("id")?;
    let attributes = record
        .opt_object("attributes")?
        .ok_or_else(|| record.reject("attributes", "missing required field"))?;
    let rating = match attributes.get("rating") {
        None => return Err(attributes.reject("rating", "missing required field")),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|n| (1..=5).contains(n))
            .and_then(|n| Rating::from_tenths(n * 10).ok())
            .ok_or_else(|| {
                attributes.reject("rating", format!("is {n}; ratings are whole stars, 1 to 5"))
            })?,
        Some(other) => {
            return Err(attributes.reject(
                "rating",
                format!("expected a number from 1 to 5, found {}", type_name(other)),
            ));
        }
    };
    let title = attributes
        .opt_string("title")?
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned);
    let text = attributes.opt_string("body")?.unwrap_or("").to_owned();
    let author = attributes
        .opt_nonempty("reviewerNickname")?
        .map(|nickname| IncomingAuthor {
            platform: ChannelKind::Reviews,
            external_id: nickname.to_owned(),
            handle: nickname.to_owned(),
            display_name: Some(nickname.to_owned()),
            profile_url: None,
            followers: None,
            verified: false,
            email: None,
        });
    let created_at = attributes.timestamp("createdDate")?;
    let response = match record.opt_object("relationships")? {
        Some(relationships) => match relationships.opt_object("response")? {
            Some(response) => match response.opt_object("data")? {
                Some(data) => data.opt_id("id")?,
                None => None,
            },
            None => None,
        },
        None => None,
    };
    Ok((
        IncomingMessage {
            external_id,
            kind: MessageKind::Review,
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: None,
            author,
            title,
            text,
            lang: None,
            created_at,
            edited_at: None,
            permalink: None,
            engagement: Engagement::default(),
            rating: Some(rating),
        },
        response,
    ))
}

/// A `customerReviewResponses` object as a reply under its review; `None` for
/// other `included` objects.
fn response(
    record: &Record<'_>,
    answered: &HashMap<String, String>,
) -> Result<Option<IncomingMessage>, Rejected> {
    match record.opt_string("type")? {
        Some("customerReviewResponses") => {}
        _ => return Ok(None),
    }
    let external_id = record.id("id")?;
    let attributes = record
        .opt_object("attributes")?
        .ok_or_else(|| record.reject("attributes", "missing required field"))?;
    let text = attributes.string("responseBody")?.to_owned();
    let created_at = attributes.timestamp("lastModifiedDate")?;
    let own_side = match record.opt_object("relationships")? {
        Some(relationships) => match relationships.opt_object("review")? {
            Some(review) => match review.opt_object("data")? {
                Some(data) => data.opt_id("id")?,
                None => None,
            },
            None => None,
        },
        None => None,
    };
    let review = answered
        .get(&external_id)
        .cloned()
        .or(own_side)
        .ok_or_else(|| {
            record.reject(
                "relationships.review",
                "no review in the file names this response, and it names none",
            )
        })?;
    if review == external_id {
        return Err(record.reject("id", "a response cannot answer itself"));
    }
    Ok(Some(IncomingMessage {
        external_id,
        kind: MessageKind::Reply,
        direction: Direction::Outbound,
        thread_external_id: Some(review.clone()),
        parent_external_id: Some(review),
        author: None,
        title: None,
        text,
        lang: None,
        created_at,
        edited_at: None,
        permalink: None,
        engagement: Engagement::default(),
        rating: None,
    }))
}
