//! `/api/w/{slug}/messages/{id}`: a conversation and the actions on it.

use super::{Body, ErrorBody};
use crate::AppState;
use crate::auth::Ws;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_core::conversations as c;
use tend_domain::{
    Channel, HistoryEntry, Identity, InboxState, Message, MessageId, Note, OutboxItem,
    SentimentLabel, Tag, TagId, UserId,
};
use utoipa::ToSchema;

/// A conversation around one message.
#[derive(Serialize, ToSchema)]
pub struct Conversation {
    /// The message that was asked for.
    pub message: Message,
    /// The whole thread in reply order (every reply after its parent).
    pub thread: Vec<ThreadEntry>,
    /// The authors of the thread's messages.
    pub authors: Vec<Identity>,
    /// The channel.
    pub channel: Channel,
    /// Internal notes, oldest first (always empty for the client role).
    pub notes: Vec<Note>,
    /// The message's history, oldest first.
    pub events: Vec<HistoryEntry>,
    /// Replies queued or sent from Tend, oldest first.
    pub outbox: Vec<OutboxItem>,
}

/// A message of a thread and how deep it sits.
#[derive(Serialize, ToSchema)]
pub struct ThreadEntry {
    /// The message.
    pub message: Message,
    /// 0 for the root and top-level messages, 1 for their replies, and so on.
    pub depth: usize,
}

/// The message, its thread (reply order, with depth), authors, notes (not for
/// clients), history and outbox.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/messages/{id}",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "A message of the conversation"),
    ),
    responses((status = 200, description = "The conversation", body = Conversation))
)]
pub async fn get_conversation(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<Conversation>, ApiError> {
    let d = c::conversation(&*state.store, ws.actor(), MessageId(id)).await?;
    Ok(Json(Conversation {
        message: d.message,
        thread: d
            .thread
            .into_iter()
            .map(|(message, depth)| ThreadEntry { message, depth })
            .collect(),
        authors: d.authors.into_values().collect(),
        channel: d.channel,
        notes: d.notes,
        events: d.events,
        outbox: d.outbox,
    }))
}

async fn writable(state: &AppState, ws: &Ws, id: i64) -> Result<MessageId, ApiError> {
    let id = MessageId(id);
    // 404 for another workspace's message before the use case's 403.
    state.store.message(ws.workspace.id, id).await?;
    Ok(id)
}

/// The body of `POST …/state`.
#[derive(Deserialize, ToSchema)]
pub struct SetState {
    /// The new state.
    state: InboxState,
    /// Until when, for `snoozed` (must be in the future); ignored otherwise.
    #[serde(default)]
    until: Option<Timestamp>,
}

/// Marks done, reopens, archives or snoozes.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/state",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
    ),
    request_body = SetState,
    responses((status = 200, description = "The changed message", body = Message))
)]
pub async fn set_state(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<SetState>,
) -> Result<Json<Message>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::set_state(
        &*state.store,
        ws.actor(),
        id,
        body.state,
        body.until,
        state.clock.now(),
    )
    .await?;
    Ok(Json(m))
}

/// The body of `POST …/assign`.
#[derive(Deserialize, ToSchema)]
pub struct Assign {
    /// A teammate of the workspace, or null to unassign.
    assignee: Option<UserId>,
}

/// Assigns to a teammate of the workspace, or unassigns.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/assign",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
    ),
    request_body = Assign,
    responses((status = 200, description = "The changed message", body = Message))
)]
pub async fn assign(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<Assign>,
) -> Result<Json<Message>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::assign(&*state.store, ws.actor(), id, body.assignee).await?;
    Ok(Json(m))
}

/// The body of `POST …/tags`.
#[derive(Deserialize, ToSchema)]
pub struct AddTag {
    /// The tag's name (1-64 characters); created if the workspace has no such tag.
    name: String,
}

/// Puts a tag on the message.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/tags",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
    ),
    request_body = AddTag,
    responses((status = 201, description = "The tag (new or existing)", body = Tag))
)]
pub async fn add_tag(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<AddTag>,
) -> Result<(StatusCode, Json<Tag>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let tag = c::tag(&*state.store, ws.actor(), id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(tag)))
}

/// Takes a tag off the message.
#[utoipa::path(
    delete,
    path = "/api/w/{slug}/messages/{id}/tags/{tag}",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
        ("tag" = i64, Path, description = "The tag's id"),
    ),
    responses((status = 204, description = "Removed (also when it was not there)"))
)]
pub async fn remove_tag(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id, tag)): Path<(String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let id = writable(&state, &ws, id).await?;
    c::untag(&*state.store, ws.actor(), id, TagId(tag)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST …/sentiment`.
#[derive(Deserialize, ToSchema)]
pub struct Sentiment {
    /// The correct label, or null to clear the correction.
    label: Option<SentimentLabel>,
}

/// Corrects the sentiment label (a teammate's correction wins over the computed
/// label in the inbox and its filters), or clears the correction.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/sentiment",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
    ),
    request_body = Sentiment,
    responses((status = 200, description = "The changed message", body = Message))
)]
pub async fn correct_sentiment(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<Sentiment>,
) -> Result<Json<Message>, ApiError> {
    let id = writable(&state, &ws, id).await?;
    let m = c::correct_sentiment(&*state.store, ws.actor(), id, body.label).await?;
    Ok(Json(m))
}

/// A text body (notes, replies).
#[derive(Deserialize, ToSchema)]
pub struct Text {
    /// The text.
    text: String,
}

/// Adds an internal note; `@name` mentions a teammate by the part of their e-mail
/// before the `@`. Analysts and clients cannot write notes.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/notes",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message"),
    ),
    request_body = Text,
    responses((status = 201, description = "The note", body = Note))
)]
pub async fn add_note(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<Text>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let note = c::add_note(&*state.store, ws.actor(), id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Validates a reply against the network's limits and queues it in the outbox.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/messages/{id}/replies",
    tag = "conversations",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The message answered"),
    ),
    request_body = Text,
    responses(
        (status = 201, description = "The queued outbox item", body = OutboxItem),
        (status = 422, description = "The text does not fit the network; see `problems`", body = ErrorBody),
    )
)]
pub async fn queue_reply(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<Text>,
) -> Result<(StatusCode, Json<OutboxItem>), ApiError> {
    let id = writable(&state, &ws, id).await?;
    let item = c::queue_reply(&*state.store, ws.actor(), id, &body.text).await?;
    Ok((StatusCode::CREATED, Json(item)))
}
