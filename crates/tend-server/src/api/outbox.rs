//! `/api/w/{slug}/outbox/{id}/cancel` and `/retry`: a reply's way out — cancel
//! it while it waits, queue it again after it failed (whoever may reply). Its
//! state, attempts, reason and the network's link are in the conversation
//! (`GET /api/w/{slug}/messages/{id}`, `outbox`).

use crate::AppState;
use crate::auth::Ws;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use tend_core::channels;
use tend_domain::{OutboxId, OutboxItem};

/// The item, checked to be of this workspace: another workspace's answers 404
/// before the use case's 403, so a foreign id reveals nothing.
async fn found(state: &AppState, ws: &Ws, id: i64) -> Result<OutboxId, ApiError> {
    let id = OutboxId(id);
    state.store.outbox_item(ws.workspace.id, id).await?;
    Ok(id)
}

/// Cancels a queued reply. One that has left the queue answers 409.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/outbox/{id}/cancel",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The outbox item")
    ),
    responses(
        (status = 200, description = "Cancelled", body = OutboxItem),
        (status = 409, description = "It is no longer queued", body = super::ErrorBody),
    )
)]
pub async fn cancel_reply(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<OutboxItem>, ApiError> {
    let id = found(&state, &ws, id).await?;
    Ok(Json(channels::cancel(&*state.store, ws.actor(), id).await?))
}

/// Queues a failed reply again, with the idempotency key of its first attempt
/// (so the network never gets it twice). One that has not failed answers 409.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/outbox/{id}/retry",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The outbox item")
    ),
    responses(
        (status = 200, description = "Queued again", body = OutboxItem),
        (status = 409, description = "It has not failed", body = super::ErrorBody),
    )
)]
pub async fn retry_reply(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<OutboxItem>, ApiError> {
    let id = found(&state, &ws, id).await?;
    let item = channels::retry(&*state.store, ws.actor(), id, state.clock.now()).await?;
    Ok(Json(item))
}
