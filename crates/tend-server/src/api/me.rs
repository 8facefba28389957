//! `GET /api/me`: who am I, and which workspaces can I open.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The user and their workspaces with roles.
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let workspaces: Vec<Value> = state
        .store
        .user_workspaces(auth.user.id)
        .await?
        .into_iter()
        .map(|(w, r)| json!({"slug": w.slug.as_str(), "name": w.name, "role": r.as_str()}))
        .collect();
    Ok(Json(json!({
        "id": auth.user.id,
        "email": auth.user.email.as_str(),
        "name": auth.user.name,
        "locale": auth.user.locale,
        "workspaces": workspaces,
    })))
}
