//! `/api/tokens`: a user's API tokens (list, create, revoke). The secret is in the
//! create response only.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use tend_domain::{ApiToken, ApiTokenId};

/// `GET /api/tokens`.
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(state.store.api_tokens(auth.user.id).await?))
}

/// The body of `POST /api/tokens`.
#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

/// `POST /api/tokens`: 201 with `{token, secret}`.
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (token, secret) =
        tend_core::access::create_token(&*state.store, auth.user.id, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "secret": secret.expose_secret()})),
    ))
}

/// `DELETE /api/tokens/{id}`: 204; 404 for someone else's.
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .revoke_api_token(auth.user.id, ApiTokenId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
