//! `/api/w/{slug}/messages/{id}`: a conversation and the actions on it.

use crate::AppState;
use crate::auth::Ws;
use crate::error::{ApiError, AppError};
use crate::pages::conversation::load;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use tend_core::conversations as c;
use tend_domain::{InboxState, MessageId, SentimentLabel, TagId, UserId};

/// `GET /api/w/{slug}/messages/{id}`: the message, its thread (reply order, with
/// depth), authors, notes (not for clients), history and outbox.
pub async fn get_conversation(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let d = load(&state, &ws, MessageId(id)).await?;
    let thread: Vec<Value> = d
        .thread
        .iter()
        .map(|(m, depth)| json!({"message": m, "depth": depth}))
        .collect();
    let authors: Vec<_> = d.authors.values().collect();
    Ok(Json(json!({
        "message": d.message,
        "thread": thread,
        "authors": authors,
        "channel": d.channel,
        "notes": d.notes,
        "events": d.events,
        "outbox": d.outbox,
    })))
}

async fn writable(state: &AppState, ws: &Ws, id: i64) -> Result<MessageId, ApiError> {
    let id = MessageId(id);
    state.store.message(ws.workspace.id, id).await?;
    ws.require_inbox_work()?;
    Ok(id)
}

/// The body of `POST …/state`.
#[derive(Deserialize)]
pub struct SetState {
    state: InboxState,
    until: Option<Timestamp>,
}

/// `POST /api/w/{slug}/messages/{id}/state`: `{state, until?}` (until for `snoozed`).
pub async fn set_state(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<SetState>,
) -> Result<Json<Value>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::set_state(&*state.store, ws.actor(), id, body.state, body.until).await?;
    Ok(Json(json!(m)))
}

/// The body of `POST …/assign`.
#[derive(Deserialize)]
pub struct Assign {
    assignee: Option<UserId>,
}

/// `POST /api/w/{slug}/messages/{id}/assign`: `{assignee: id | null}`.
pub async fn assign(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<Assign>,
) -> Result<Json<Value>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::assign(&*state.store, ws.actor(), id, body.assignee).await?;
    Ok(Json(json!(m)))
}

/// The body of `POST …/tags`.
#[derive(Deserialize)]
pub struct AddTag {
    name: String,
}

/// `POST /api/w/{slug}/messages/{id}/tags`: `{name}`; 201 with the tag.
pub async fn add_tag(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<AddTag>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let tag = c::tag(&*state.store, ws.actor(), id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(json!(tag))))
}

/// `DELETE /api/w/{slug}/messages/{id}/tags/{tag}`: 204.
pub async fn remove_tag(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id, tag)): Path<(String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let tag = state
        .store
        .tags(ws.workspace.id)
        .await?
        .into_iter()
        .find(|t| t.id == TagId(tag))
        .ok_or(AppError::NotFound)?;
    c::untag(&*state.store, ws.actor(), id, &tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST …/sentiment`.
#[derive(Deserialize)]
pub struct Sentiment {
    label: Option<SentimentLabel>,
}

/// `POST /api/w/{slug}/messages/{id}/sentiment`: `{label: positive|neutral|negative|null}`.
pub async fn correct_sentiment(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<Sentiment>,
) -> Result<Json<Value>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::correct_sentiment(&*state.store, ws.actor(), id, body.label).await?;
    Ok(Json(json!(m)))
}

/// A text body (notes, replies).
#[derive(Deserialize)]
pub struct Text {
    text: String,
}

/// `POST /api/w/{slug}/messages/{id}/notes`: `{text}`; 201 with the note. Clients
/// and analysts cannot write notes.
pub async fn add_note(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<Text>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let note = c::add_note(&*state.store, ws.actor(), id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(json!(note))))
}

/// `POST /api/w/{slug}/messages/{id}/replies`: `{text}`; 201 with the queued outbox
/// item, 422 with `problems` when the text does not fit the network.
pub async fn queue_reply(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Json(body): Json<Text>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let item = c::queue_reply(&*state.store, ws.actor(), id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(json!(item))))
}
