//! `/api/w/{slug}/inbox`: the inbox list with the page's filters, and bulk actions.

use super::Body;
use crate::AppState;
use crate::auth::Ws;
use crate::error::ApiError;
use crate::params::{InboxParams, cursor};
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use tend_core::conversations::{self as c, BulkAction};
use tend_domain::{Identity, Message, MessageId, UserId};
use tend_store::StateCounts;
use utoipa::ToSchema;

/// One page of the inbox.
#[derive(Serialize, ToSchema)]
pub struct InboxPage {
    /// The messages, newest first.
    pub messages: Vec<Message>,
    /// The authors of these messages.
    pub authors: Vec<Identity>,
    /// Messages per status in the whole workspace.
    pub counts: StateCounts,
    /// The `before` cursor of the following page; absent on the last page.
    pub next: Option<String>,
}

/// A page of the workspace's inbox, newest first, with the same filters as the
/// inbox page's URL.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/inbox",
    tag = "inbox",
    params(("slug" = String, Path, description = "The workspace"), InboxParams),
    responses(
        (status = 200, description = "A page of the inbox", body = InboxPage),
        (status = 400, description = "A filter is not valid; `field` names it", body = super::ErrorBody),
    )
)]
pub async fn list_inbox(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<InboxParams>,
) -> Result<Json<InboxPage>, ApiError> {
    let query = params.to_query(&ws.workspace, ws.auth.user.id)?;
    let page = c::inbox(&*state.store, ws.actor(), &query).await?;
    let next = page
        .full
        .then(|| page.messages.last().map(|m| cursor(m.created_at, m.id)))
        .flatten();
    Ok(Json(InboxPage {
        authors: page.authors.into_values().collect(),
        messages: page.messages,
        counts: page.counts,
        next,
    }))
}

/// What a bulk action does.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum BulkKind {
    /// Mark done.
    Done,
    /// Reopen.
    Open,
    /// Put the tag `tag` on (created if new).
    Tag,
    /// Assign to `assignee` (null or absent: unassign).
    Assign,
}

/// The body of `POST /api/w/{slug}/inbox/bulk`.
#[derive(Deserialize, ToSchema)]
pub struct Bulk {
    /// The conversations (1-500), all of this workspace.
    ids: Vec<MessageId>,
    /// What to do.
    action: BulkKind,
    /// The tag's name, for `tag`.
    #[serde(default)]
    tag: Option<String>,
    /// The teammate, for `assign`.
    #[serde(default)]
    assignee: Option<UserId>,
}

/// The result of a bulk action.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    /// How many conversations were changed.
    pub changed: usize,
}

/// Applies one action to many conversations. Every id is checked first: one of
/// another workspace answers 404 and nothing is changed.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/inbox/bulk",
    tag = "inbox",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = Bulk,
    responses((status = 200, description = "Done", body = BulkResult))
)]
pub async fn bulk(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<Bulk>,
) -> Result<Json<BulkResult>, ApiError> {
    let action = match body.action {
        BulkKind::Done => BulkAction::Done,
        BulkKind::Open => BulkAction::Open,
        BulkKind::Tag => BulkAction::Tag(body.tag.unwrap_or_default()),
        BulkKind::Assign => BulkAction::Assign(body.assignee),
    };
    let changed = c::bulk(
        &*state.store,
        ws.actor(),
        &body.ids,
        &action,
        state.clock.now(),
    )
    .await?;
    Ok(Json(BulkResult { changed }))
}
