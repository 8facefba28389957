//! `/api/w/{slug}/inbox`: the inbox list with the page's filters, and bulk actions.

use crate::AppState;
use crate::auth::Ws;
use crate::error::{ApiError, AppError};
use crate::pages::inbox::{BulkAction, apply_bulk, load};
use crate::params::InboxParams;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use tend_domain::{MessageId, UserId};

/// `GET /api/w/{slug}/inbox?…`: `{messages, authors, counts, next}`; `next` is the
/// `before` cursor of the following page.
pub async fn list_inbox(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<InboxParams>,
) -> Result<Json<Value>, ApiError> {
    let data = load(&state, &ws, &params).await?;
    let authors: Vec<_> = data.authors.values().collect();
    Ok(Json(json!({
        "messages": data.messages,
        "authors": authors,
        "counts": data.counts,
        "next": data.next,
    })))
}

/// The body of `POST /api/w/{slug}/inbox/bulk`.
#[derive(Deserialize)]
pub struct Bulk {
    ids: Vec<MessageId>,
    action: String,
    tag: Option<String>,
    assignee: Option<UserId>,
}

/// `POST /api/w/{slug}/inbox/bulk`: `{ids, action: done|open|tag|assign, tag?, assignee?}`.
pub async fn bulk(
    State(state): State<AppState>,
    ws: Ws,
    Json(body): Json<Bulk>,
) -> Result<Json<Value>, ApiError> {
    let action = match body.action.as_str() {
        "done" => BulkAction::Done,
        "open" => BulkAction::Open,
        "tag" => BulkAction::Tag(body.tag.unwrap_or_default()),
        "assign" => BulkAction::Assign(body.assignee),
        _ => return Err(AppError::bad("action", "must be done, open, tag or assign").into()),
    };
    let n = apply_bulk(&state, &ws, &body.ids, &action).await?;
    Ok(Json(json!({ "changed": n })))
}
